using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Listings, answered from the read model in PostgreSQL that the event log's projection keeps (grains themselves
/// are not queryable). Eventually consistent: a change shows here within about a second. Stateless; call key 0.
/// </summary>
[Alias("orderactors.IListingGrain")]
public interface IListingGrain : IGrainWithIntegerKey
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxQueryLength = 100;

    /// <summary>Active products whose SKU, name or description contains <paramref name="query"/>, by SKU, <paramref name="limit"/> (1..100) a page.</summary>
    [Alias("search-products"), ReadOnly]
    Task<Result<Page<ProductSummary>>> SearchProducts(string? query, string? cursor, int limit);

    /// <summary>A customer's orders, newest first, <paramref name="limit"/> (1..100) a page.</summary>
    [Alias("customer-orders"), ReadOnly]
    Task<Result<Page<OrderSummary>>> CustomerOrders(string customerId, string? cursor, int limit);

    /// <summary>
    /// The event log in log order, after <paramref name="cursor"/> (from the start when null), of the given types
    /// (all when empty). A page ends before any event whose transaction may still be committing, so paging never
    /// skips one; the next cursor is returned even on an empty page, to ask again later.
    /// </summary>
    [Alias("events"), ReadOnly]
    Task<Result<Page<LoggedEvent>>> Events(string? cursor, int limit, IReadOnlyList<string> types);
}
