namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Names in the catalog's shared response cache (Redis), known to the gateways that store and evict entries and to
/// the silos that evict them when the event log shows a product changed.
/// </summary>
public static class CatalogCacheKeys
{
    /// <summary>The tag of every cached listing page.</summary>
    public const string Listings = "products";

    /// <summary>The tag of a product's cached reads.</summary>
    public static string Product(string sku) => "product:" + sku;

    /// <summary>The prefix of every cache key of one service.</summary>
    public static string InstanceName(string serviceId) => $"{serviceId}:output-cache:";
}
