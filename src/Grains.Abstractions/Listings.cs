using System.Text.Json.Serialization;

namespace OrderActors.Grains.Abstractions;

/// <summary>A product as listings show it.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.product-summary")]
public sealed record ProductSummary(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] string Description,
    [property: Id(3)] decimal Price,
    [property: Id(4)] string Currency,
    [property: Id(5)] int Available,
    [property: Id(6)] bool Active,
    [property: Id(7)] long Version);

/// <summary>An order as a customer's order list shows it.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.order-summary")]
public sealed record OrderSummary(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] OrderStatus Status,
    [property: Id(3)] decimal Total,
    [property: Id(4)] string Currency,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] int Version);

/// <summary>One page of a listing; pass <see cref="NextCursor"/> back to get the next, null when there is none.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.page`1")]
public sealed record Page<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1)] string? NextCursor);

/// <summary>
/// One event of the log as integrations read it; <see cref="Data"/> is the event's JSON. <see cref="Transaction"/>,
/// the PostgreSQL transaction that stored it, orders the log for its readers and is not shown to integrations.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.logged-event")]
public sealed record LoggedEvent(
    [property: Id(0)] long Position,
    [property: Id(1)] string EntityType,
    [property: Id(2)] string EntityId,
    [property: Id(3)] long Sequence,
    [property: Id(4)] string Type,
    [property: Id(5)] DateTimeOffset OccurredAt,
    [property: Id(6)] string Actor,
    [property: Id(7)] string Data,
    [property: Id(8), JsonIgnore] ulong Transaction);
