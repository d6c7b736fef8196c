using Microsoft.AspNetCore.OutputCaching;
using OrderActors.Grains.Abstractions;
using StackExchange.Redis;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// The catalog's shared response-cache store: ASP.NET Core output caching in Redis, under the service's key prefix.
/// Gateways store and evict entries in it; silos evict from it when the event log shows a product changed. One
/// definition (this file is linked into the silo), so both always talk to the same keys.
/// </summary>
public static class CatalogCacheStore
{
    /// <summary>
    /// Registers the Redis store (connection string <c>OutputCache</c>, else <c>Redis</c>) behind
    /// <see cref="FailSoftOutputCacheStore"/> as the <see cref="IOutputCacheStore"/>.
    /// </summary>
    public static IServiceCollection AddCatalogCacheStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStackExchangeRedisOutputCache(options =>
        {
            var redis = ConfigurationOptions.Parse(configuration.GetConnectionString("OutputCache") ?? configuration.GetConnectionString("Redis")!);
            // Start without Redis and fail each call at once while it is away: a cache outage is a miss, not a wait.
            redis.AbortOnConnectFail = false;
            redis.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConfigurationOptions = redis;
            options.InstanceName = CatalogCacheKeys.InstanceName(configuration["Orleans:ServiceId"]!);
        });

        var redisStore = services.Last(service => service.ServiceType == typeof(IOutputCacheStore));
        services.Remove(redisStore);
        services.AddSingleton<IOutputCacheStore>(provider => new FailSoftOutputCacheStore(
            (IOutputCacheStore)(redisStore.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, redisStore.ImplementationType!)),
            provider.GetRequiredService<ILogger<FailSoftOutputCacheStore>>()));
        return services;
    }

    /// <summary>Evicts the cached reads of these products and every cached listing page.</summary>
    public static async Task EvictCatalog(this IOutputCacheStore store, IEnumerable<string> skus, CancellationToken cancellation)
    {
        foreach (var sku in skus)
        {
            await store.EvictByTagAsync(CatalogCacheKeys.Product(sku), cancellation);
        }

        await store.EvictByTagAsync(CatalogCacheKeys.Listings, cancellation);
    }
}

/// <summary>
/// The Redis store behind a guard: while Redis is unreachable every read is a miss and every write or eviction is
/// skipped (logged), so the catalog is served from the grains instead of failing. Any failure counts, not only
/// RedisException: the store also throws AggregateException from its batched commands.
/// </summary>
public sealed class FailSoftOutputCacheStore(IOutputCacheStore store, ILogger<FailSoftOutputCacheStore> logger) : IOutputCacheStore, IDisposable
{
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellation)
    {
        try
        {
            return await store.GetAsync(key, cancellation);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Output cache unavailable; serving without it");
            return null;
        }
    }

    public async ValueTask SetAsync(string key, byte[] value, string[]? tags, TimeSpan validFor, CancellationToken cancellation)
    {
        try
        {
            await store.SetAsync(key, value, tags, validFor, cancellation);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Output cache unavailable; response not stored");
        }
    }

    public async ValueTask EvictByTagAsync(string tag, CancellationToken cancellation)
    {
        try
        {
            await store.EvictByTagAsync(tag, cancellation);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Output cache unavailable; tag {Tag} not evicted (its entries expire within their TTL)", tag);
        }
    }

    public void Dispose() => (store as IDisposable)?.Dispose();
}
