using Microsoft.AspNetCore.OutputCaching;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.ReadModel;
using StackExchange.Redis;

namespace OrderActors.Silo.ReadModel;

/// <summary>
/// Evicts from the gateways' response cache: the same Redis store (ASP.NET Core output caching) and the same key prefix
/// and tags the gateways use, so an eviction here reaches every gateway.
/// </summary>
public sealed class RedisCatalogCache(IOutputCacheStore store, ILogger<RedisCatalogCache> logger) : ICatalogCache
{
    public async Task Evict(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var sku in skus)
            {
                await store.EvictByTagAsync(CatalogCacheKeys.Product(sku), cancellationToken);
            }

            await store.EvictByTagAsync(CatalogCacheKeys.Listings, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The listings are written; holding them back for the cache would stall every reader of the projection.
            logger.LogWarning(exception, "Response cache unavailable; {Count} product(s) not evicted (their entries expire within their TTL)", skus.Count);
        }
    }

    /// <summary>The store as the gateways configure it (connection string <c>OutputCache</c>, else <c>Redis</c>).</summary>
    public static void AddTo(IServiceCollection services, IConfiguration configuration)
    {
        services.AddStackExchangeRedisOutputCache(options =>
        {
            var redis = ConfigurationOptions.Parse(configuration.GetConnectionString("OutputCache") ?? configuration.GetConnectionString("Redis")!);
            // Start without Redis and fail each eviction at once while it is away.
            redis.AbortOnConnectFail = false;
            redis.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConfigurationOptions = redis;
            options.InstanceName = CatalogCacheKeys.InstanceName(configuration["Orleans:ServiceId"]!);
        });
        services.AddSingleton<ICatalogCache, RedisCatalogCache>();
    }
}
