using System.Collections.Concurrent;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.ReadModel;

namespace OrderActors.Grains.Tests;

/// <summary>
/// Records what grains project, so grain tests can see it; listing queries run against PostgreSQL and are tested
/// through the gateway, so they are not served here.
/// </summary>
public sealed class RecordingReadModel : IReadModel
{
    public static readonly ConcurrentDictionary<string, ProductSummary> Products = new();
    public static readonly ConcurrentDictionary<string, OrderSummary> Orders = new();

    public void Project(ProductSummary product) =>
        Products.AddOrUpdate(product.Sku, product, (_, known) => known.Version > product.Version ? known : product);

    public void Project(OrderSummary order) =>
        Orders.AddOrUpdate(order.OrderId, order, (_, known) => known.Version > order.Version ? known : order);

    public Task<Page<ProductSummary>> SearchProducts(string? query, string? cursor, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Listings are served from PostgreSQL; see Gateway.Tests.");

    public Task<Page<OrderSummary>> CustomerOrders(string customerId, string? cursor, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Listings are served from PostgreSQL; see Gateway.Tests.");
}
