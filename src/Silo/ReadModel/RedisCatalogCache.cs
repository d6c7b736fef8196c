using Microsoft.AspNetCore.OutputCaching;
using OrderActors.Gateway.Hosting;
using OrderActors.Grains.ReadModel;

namespace OrderActors.Silo.ReadModel;

/// <summary>
/// Evicts from the gateways' response cache: the very store they use (<see cref="CatalogCacheStore"/>), so an eviction
/// here reaches every gateway. Fail-soft like theirs: while Redis is away an eviction is logged and skipped — the
/// listings are written, and holding them back for the cache would stall every reader of the projection.
/// </summary>
public sealed class RedisCatalogCache(IOutputCacheStore store) : ICatalogCache
{
    public Task Evict(IReadOnlyCollection<string> skus, CancellationToken cancellationToken) =>
        store.EvictCatalog(skus, cancellationToken);
}
