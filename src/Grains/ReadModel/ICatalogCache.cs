namespace OrderActors.Grains.ReadModel;

/// <summary>The gateways' shared response cache of the catalog, as the silos evict from it.</summary>
public interface ICatalogCache
{
    /// <summary>
    /// Evicts the cached reads of these products and every cached listing. Never throws for an unreachable cache: its
    /// entries then expire within their TTL.
    /// </summary>
    Task Evict(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);
}
