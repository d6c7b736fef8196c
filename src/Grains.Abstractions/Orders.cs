namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Where an order is in its life. <see cref="Placing"/> is internal: stock is being reserved. <see cref="Refunded"/>
/// follows <see cref="Cancelled"/> once every refund the order asked for has succeeded.
/// </summary>
[GenerateSerializer, Alias("orderactors.order-status")]
public enum OrderStatus
{
    None = 0,
    Placing = 1,
    PendingPayment = 2,
    Paid = 3,
    Shipped = 4,
    Delivered = 5,
    Cancelled = 6,
    Refunded = 7,
}

/// <summary>What a cart asks of a new order: the customer, the checkout's idempotency key and the lines to reserve.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.place-order")]
public sealed record PlaceOrder(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] IReadOnlyList<RequestedLine> Lines,
    [property: Id(2)] string CheckoutKey,
    [property: Id(3)] ShippingDetails? Shipping = null);

/// <summary>What a product should do with its record of a reservation, according to the order that made it.</summary>
[GenerateSerializer, Alias("orderactors.reservation-fate")]
public enum ReservationFate
{
    /// <summary>
    /// The order is still working on it (being placed or paid, or a stock effect not yet applied), or will end it
    /// itself (a sale whose payment is not stored yet is released when the order expires): keep the record.
    /// </summary>
    Keep = 0,

    /// <summary>
    /// The order does not exist, or holds another reservation there (the record came from an outdated copy of it): the
    /// record's units go back to availability.
    /// </summary>
    Release = 1,

    /// <summary>The order has recorded the outcome and will not call again: its acknowledgement was lost; forget the record.</summary>
    Forget = 2,
}

/// <summary>The steps of a reservation as its product records them.</summary>
[GenerateSerializer, Alias("orderactors.reservation-stage")]
public enum ReservationStage
{
    /// <summary>The units are held.</summary>
    Reserved = 0,

    /// <summary>The units were sold.</summary>
    Committed = 1,

    /// <summary>The units went back to availability.</summary>
    Released = 2,
}

/// <summary>How a reservation ends.</summary>
[GenerateSerializer, Alias("orderactors.settlement")]
public enum Settlement
{
    /// <summary>The order was paid: the units are sold.</summary>
    Commit = 0,

    /// <summary>The order was cancelled or expired before payment: the units go back to availability.</summary>
    Release = 1,
}

/// <summary>
/// An order as callers see it; prices are those snapshotted at checkout. <see cref="PaymentId"/> is the provider's id
/// of the payment that paid it; <see cref="Refunds"/> every refund it asked for.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.order-view")]
public sealed record OrderView(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] OrderStatus Status,
    [property: Id(3)] IReadOnlyList<OrderLineView> Lines,
    [property: Id(4)] decimal Total,
    [property: Id(5)] string Currency,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset PaymentDueAt,
    [property: Id(8)] IReadOnlyList<StatusChange> History,
    [property: Id(9)] string? PaymentId = null,
    [property: Id(10)] IReadOnlyList<RefundView>? Refunds = null,
    [property: Id(11)] ShippingDetails? Shipping = null);

/// <summary>One order line at its checkout price.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.order-line-view")]
public sealed record OrderLineView(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] decimal UnitPrice,
    [property: Id(3)] int Quantity,
    [property: Id(4)] decimal LineTotal,
    [property: Id(5)] bool RequiresShipping = false);

/// <summary>An entry of an order's history: the status it entered, when, and why if not asked by a caller.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.status-change")]
public sealed record StatusChange(
    [property: Id(0)] OrderStatus Status,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string? Reason,
    [property: Id(3)] string? Actor = null);
