using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.ReadModel;

/// <summary>
/// Where grains project their state for listings. Projecting only queues the summary: it never blocks or fails a
/// grain call; the host writes queued summaries shortly after, keeping the newest version of each.
/// </summary>
public interface IReadModel
{
    void Project(ProductSummary product);

    void Project(OrderSummary order);

    Task<Page<ProductSummary>> SearchProducts(string? query, string? cursor, int limit, CancellationToken cancellationToken);

    Task<Page<OrderSummary>> CustomerOrders(string customerId, string? cursor, int limit, CancellationToken cancellationToken);
}
