using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.ReadModel;

/// <summary>
/// Projects the event log into the listings read model. Every product event carries the product's view and every
/// order event the order's, so the newest event of an entity in a batch is all its row needs; the read model only
/// lets a row be replaced by a newer version, so handling an event twice, or late, changes nothing. Once a batch's
/// rows are written it evicts the gateways' cached reads of its products and every cached listing: after the write,
/// so a gateway that reads again caches the new rows, and for every change, also one no gateway saw.
/// </summary>
[GrainType("listing-projection")]
public sealed class ListingProjectionGrain(
    [PersistentState("listing-projection", StorageNames.Orders)] IPersistentState<LogConsumerState> state,
    IEventLog log,
    IReadModel readModel,
    ICatalogCache catalogCache,
    IOptions<EventOptions> options,
    ILogger<ListingProjectionGrain> logger) : LogConsumerGrain<LogConsumerState>(state, log, options, logger), IListingProjectionGrain
{
    protected override string Consumer => "listings";

    protected override async Task<int> Handle(IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken)
    {
        var newest = events.GroupBy(e => (e.EntityType, e.EntityId)).Select(entity => entity.MaxBy(e => e.Sequence)!).ToList();
        var products = newest.Where(e => e.EntityType == "product").Select(e => Read<ProductView>(e, "product"))
            .Select(p => new ProductSummary(p.Sku, p.Name, p.Description, p.Price, p.Currency, p.Available, p.Active, p.Version)).ToList();
        var orders = newest.Where(e => e.EntityType == "order").Select(e => Read<OrderView>(e, "order"))
            .Select(o => new OrderSummary(o.OrderId, o.CustomerId, o.Status, o.Total, o.Currency, o.CreatedAt, o.History.Count)).ToList();
        await readModel.Write(products, orders, cancellationToken);
        if (products.Count > 0)
        {
            await catalogCache.Evict([.. products.Select(p => p.Sku)], cancellationToken);
        }

        return events.Count;
    }

    private static T Read<T>(LoggedEvent logged, string member)
    {
        // Disposed: a parsed document rents pooled buffers, and the projection parses one per listed entity.
        using var document = JsonDocument.Parse(logged.Data);
        return document.RootElement.GetProperty(member).Deserialize<T>(StoredJson.Options)
               ?? throw new InvalidOperationException($"Event {logged.Position} ({logged.Type}) has no {member}.");
    }
}
