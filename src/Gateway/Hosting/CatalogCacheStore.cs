using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// The catalog's response-cache store, in two levels (FusionCache): each process's memory in front of Redis, which every
/// gateway shares. A hit is served from memory without a Redis round trip; an eviction (a tag's removal) is written to
/// Redis and published on its backplane before it returns, and each other process drops its memory copies on receipt.
/// Gateways store and evict entries; silos evict when the event log shows a product changed. One definition (this file
/// is linked into the silo), so both always talk to the same keys and channel.
/// </summary>
public static class CatalogCacheStore
{
    /// <summary>
    /// Registers the two-level store (Redis: connection string <c>OutputCache</c>, else <c>Redis</c>) as the
    /// <see cref="IOutputCacheStore"/>. Redis failures are logged and never thrown: while Redis is away each process
    /// serves what its memory holds and the grains the rest, and an eviction reaches only the process that made it, so
    /// the TTL bounds what another gateway can miss.
    /// </summary>
    public static IServiceCollection AddCatalogCacheStore(this IServiceCollection services, IConfiguration configuration)
    {
        var redis = ConfigurationOptions.Parse(configuration.GetConnectionString("OutputCache") ?? configuration.GetConnectionString("Redis")!);
        // Start without Redis and fail each call at once while it is away: a cache outage is a miss, not a wait.
        redis.AbortOnConnectFail = false;
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        var instance = CatalogCacheKeys.InstanceName(configuration["Orleans:ServiceId"]!);

        // Registered as services, so the container creates their connections on first use and closes them on stop.
        services.AddStackExchangeRedisCache(options => options.ConfigurationOptions = redis);
        services.AddFusionCacheStackExchangeRedisBackplane(options => options.ConfigurationOptions = redis);
        services.AddFusionCache()
            .WithOptions(options =>
            {
                options.CacheKeyPrefix = instance;
                options.BackplaneChannelPrefix = instance;
                // Memory is bounded by OutputCache:SizeLimit: every entry, the tags' own included, states its size.
                options.TagsDefaultEntryOptions.Size = 1;
            })
            .WithDefaultEntryOptions(entry =>
            {
                entry.Size = 1;
                // An eviction is on the backplane before the write that caused it answers.
                entry.AllowBackgroundBackplaneOperations = false;
            })
            .WithMemoryCache(provider => new MemoryCache(new MemoryCacheOptions
            {
                SizeLimit = provider.GetRequiredService<IOptions<OutputCacheOptions>>().Value.SizeLimit,
            }))
            // Its entries' metadata holds value tuples, which System.Text.Json writes only when told to include fields.
            .WithSerializer(new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions { IncludeFields = true }))
            .WithRegisteredDistributedCache()
            .WithRegisteredBackplane();
        services.AddSingleton<IOutputCacheStore, FusionOutputCacheStore>();
        return services;
    }

    /// <summary>Evicts the cached reads of these products.</summary>
    public static async Task EvictProducts(this IOutputCacheStore store, IEnumerable<string> skus, CancellationToken cancellation)
    {
        foreach (var sku in skus)
        {
            await store.EvictByTagAsync(CatalogCacheKeys.Product(sku), cancellation);
        }
    }

    /// <summary>Evicts the cached reads of these products and every cached listing page.</summary>
    public static async Task EvictCatalog(this IOutputCacheStore store, IEnumerable<string> skus, CancellationToken cancellation)
    {
        await store.EvictProducts(skus, cancellation);
        await store.EvictByTagAsync(CatalogCacheKeys.Listings, cancellation);
    }
}

/// <summary>
/// ASP.NET Core output caching's store on FusionCache: an entry lives its TTL in both levels, sized by its bytes. Tag
/// removals that overlap share their work (<see cref="SharedTagRemovals"/>).
/// </summary>
public sealed class FusionOutputCacheStore(IFusionCache cache) : IOutputCacheStore
{
    private readonly SharedTagRemovals removals = new(tag => cache.RemoveByTagAsync(tag).AsTask());

    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellation) =>
        (await cache.TryGetAsync<byte[]>(key, token: cancellation)).GetValueOrDefault();

    // A store needs no backplane message: until one of its tags is removed (which is published), a copy stored by any
    // gateway is as good as this one, and after the removal every gateway's older copy is hidden by the tag.
    public ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellation) =>
        cache.SetAsync(key, value, cache.CreateEntryOptions(entry => entry.SetSize(value.Length).SetSkipBackplaneNotifications(true), validFor), tags, cancellation);

    public ValueTask EvictByTagAsync(string tag, CancellationToken cancellation) =>
        new(removals.Remove(tag).WaitAsync(cancellation));
}

/// <summary>
/// Removals of one tag that overlap share their work. A removal asked for while another of the same tag is under way
/// waits for the next one, which starts when that one ends — after the caller's change, so it covers it — and every
/// caller who asks in the meantime shares it. A hot product's checkouts then cost a Redis write and a backplane message
/// per removal in flight, not per checkout, and each still answers only once a removal begun after its change is done.
/// </summary>
public sealed class SharedTagRemovals(Func<string, Task> remove)
{
    /// <summary>Per tag, the last removal asked for: under way, or waiting for the one before it.</summary>
    private readonly ConcurrentDictionary<string, Removal> latest = new(StringComparer.Ordinal);

    public Task Remove(string tag)
    {
        while (true)
        {
            var last = latest.TryGetValue(tag, out var found) ? found : null;
            if (last is { HasStarted: false })
            {
                return last.Done.Task;
            }

            var next = new Removal();
            if (last is null ? latest.TryAdd(tag, next) : latest.TryUpdate(tag, next, last))
            {
                _ = RunAsync(tag, next, after: last?.Done.Task ?? Task.CompletedTask);
                return next.Done.Task;
            }
        }
    }

    private async Task RunAsync(string tag, Removal removal, Task after)
    {
        // Once the one before has ended, however it ended: its failure was its own callers' to see.
        await after.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        removal.MarkStarted();
        try
        {
            await remove(tag);
            removal.Done.SetResult();
        }
        catch (Exception exception)
        {
            removal.Done.SetException(exception);
        }
        finally
        {
            // Done and still the last: the next caller starts afresh (and the map holds only tags in use).
            latest.TryRemove(KeyValuePair.Create(tag, removal));
        }
    }

    private sealed class Removal
    {
        private int started;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool HasStarted => Volatile.Read(ref started) == 1;

        public void MarkStarted() => Interlocked.Exchange(ref started, 1);
    }
}
