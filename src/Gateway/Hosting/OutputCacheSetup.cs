using OrderActors.Gateway.Http;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// The catalog's response cache: ASP.NET Core output caching stored in each gateway's memory and in Redis, so every
/// gateway shares each entry and each eviction (<see cref="CatalogCacheStore"/>). See <see cref="CatalogCachePolicy"/>
/// for what is cached and <see cref="CatalogEviction"/> for when it is evicted.
/// </summary>
public static class OutputCacheSetup
{
    public static IHostApplicationBuilder AddGatewayOutputCache(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.Configure<CatalogCacheOptions>(configuration.GetSection(CatalogCacheOptions.Section));
        // The same section also sets ASP.NET Core's own options, e.g. SizeLimit: the bytes one gateway keeps in memory.
        builder.Services.AddOutputCache(options => configuration.GetSection(CatalogCacheOptions.Section).Bind(options));
        builder.Services.AddCatalogCacheStore(configuration);
        return builder;
    }
}
