using Microsoft.AspNetCore.OutputCaching;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;
using StackExchange.Redis;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// The catalog's response cache: ASP.NET Core output caching stored in Redis, so every gateway shares each entry and
/// each eviction. See <see cref="CatalogCachePolicy"/> for what is cached and <see cref="CatalogEviction"/> for when it
/// is evicted.
/// </summary>
public static class OutputCacheSetup
{
    public static IHostApplicationBuilder AddGatewayOutputCache(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<CatalogCacheOptions>(configuration.GetSection(CatalogCacheOptions.Section));
        builder.Services.AddOutputCache();
        builder.Services.AddStackExchangeRedisOutputCache(options =>
        {
            var redis = ConfigurationOptions.Parse(configuration.GetConnectionString("OutputCache") ?? configuration.GetConnectionString("Redis")!);
            // Start without Redis and fail each call at once while it is away: a cache outage is a miss, not a wait.
            redis.AbortOnConnectFail = false;
            redis.BacklogPolicy = BacklogPolicy.FailFast;
            options.ConfigurationOptions = redis;
            options.InstanceName = CatalogCacheKeys.InstanceName(configuration["Orleans:ServiceId"]!);
        });

        var redisStore = builder.Services.Last(service => service.ServiceType == typeof(IOutputCacheStore));
        builder.Services.Remove(redisStore);
        builder.Services.AddSingleton<IOutputCacheStore>(services => new FailSoftOutputCacheStore(
            (IOutputCacheStore)(redisStore.ImplementationFactory?.Invoke(services)
                ?? ActivatorUtilities.CreateInstance(services, redisStore.ImplementationType!)),
            services.GetRequiredService<ILogger<FailSoftOutputCacheStore>>()));
        return builder;
    }
}
