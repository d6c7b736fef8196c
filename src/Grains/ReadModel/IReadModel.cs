using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.ReadModel;

/// <summary>The listings read model (the host's PostgreSQL tables): written from the event log, read by listings.</summary>
public interface IReadModel
{
    Task<Page<ProductSummary>> SearchProducts(string? query, string? cursor, int limit, CancellationToken cancellationToken);

    Task<Page<OrderSummary>> CustomerOrders(string customerId, string? cursor, int limit, CancellationToken cancellationToken);

    /// <summary>Writes these summaries; each replaces only an older version of its product or order.</summary>
    Task Write(IReadOnlyList<ProductSummary> products, IReadOnlyList<OrderSummary> orders, CancellationToken cancellationToken);
}
