using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.Orders;

/// <summary>The persisted state of one order.</summary>
[GenerateSerializer, Alias("orderactors.order-state")]
public sealed class OrderState
{
    /// <summary>The order's key, kept in the state so stored data explains itself (the consistency checker reads it).</summary>
    [Id(8)] public string OrderId { get; set; } = "";

    /// <summary>Who placed the order.</summary>
    [Id(0)] public string CustomerId { get; set; } = "";

    /// <summary>The idempotency key of the checkout that created the order.</summary>
    [Id(9)] public string CheckoutKey { get; set; } = "";

    /// <summary>The idempotency key of the payment, once paid.</summary>
    [Id(10)] public string? PaymentKey { get; set; }

    /// <summary>The amount paid, once paid.</summary>
    [Id(11)] public decimal? PaidAmount { get; set; }

    /// <summary>The provider's id of the payment that paid the order (null when it was recorded by hand).</summary>
    [Id(13)] public string? PaymentId { get; set; }

    /// <summary>Every refund the order asked for, oldest first; one not Succeeded is still owed.</summary>
    [Id(14)] public List<RefundState> Refunds { get; set; } = [];

    /// <summary>
    /// Keys of the provider's events (and of payments) this order has acted on, other than the payment that paid it
    /// (<see cref="PaymentKey"/>). This is the replay protection of the callbacks: it is written in the same storage
    /// write as the change the event made, so no crash can separate "seen" from "done", and the order is one
    /// activation cluster-wide, so two deliveries of one event are serialised by its turns. It grows by a handful per order.
    /// </summary>
    [Id(15)] public List<string> ProcessedEvents { get; set; } = [];

    /// <summary>Where to ship and whom to tell (personal data: never logged); null when checkout gave none.</summary>
    [Id(16)] public ShippingDetails? Shipping { get; set; }

    /// <summary>Where the order is in its lifecycle; <see cref="OrderStatus.None"/> means it does not exist.</summary>
    [Id(1)] public OrderStatus Status { get; set; }

    /// <summary>The lines; name and price are filled in once their stock is reserved.</summary>
    [Id(2)] public List<OrderLineState> Lines { get; set; } = [];

    /// <summary>Currency of every line.</summary>
    [Id(3)] public string Currency { get; set; } = "";

    /// <summary>When checkout created the order.</summary>
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>After this instant an unpaid order is cancelled and its stock released.</summary>
    [Id(5)] public DateTimeOffset PaymentDueAt { get; set; }

    /// <summary>Every status the order entered, oldest first.</summary>
    [Id(6)] public List<StatusChange> History { get; set; } = [];

    /// <summary>
    /// The stock effect of the last transition that is not yet known to be done. It is persisted together with the
    /// transition and cleared after, so a crash in between is finished by the next activation or reminder tick.
    /// </summary>
    [Id(7)] public StockAction PendingStock { get; set; }

    /// <summary>The order's events on their way to the event log, stored with the change that caused them.</summary>
    [Id(12)] public Outbox Outbox { get; set; } = new();

    /// <summary>Whether callers can see the order: it has been placed (methods, so the serializer never stores them).</summary>
    public bool IsPlaced() => Status is not (OrderStatus.None or OrderStatus.Placing);

    /// <summary>The sum of the lines at their checkout prices.</summary>
    public decimal Total() => Lines.Sum(l => l.UnitPrice * l.Quantity);

    /// <summary>The order as a customer's order list shows it: what the grain projects and a rebuild restores.</summary>
    public OrderSummary ToSummary() => new(OrderId, CustomerId, Status, Total(), Currency, CreatedAt, History.Count);
}

/// <summary>One order line.</summary>
[GenerateSerializer, Alias("orderactors.order-line-state")]
public sealed class OrderLineState
{
    /// <summary>The product's SKU; also the product grain that holds the reservation.</summary>
    [Id(0)] public string Sku { get; set; } = "";

    /// <summary>Units ordered.</summary>
    [Id(1)] public int Quantity { get; set; }

    /// <summary>Product name at checkout.</summary>
    [Id(2)] public string Name { get; set; } = "";

    /// <summary>Unit price at checkout.</summary>
    [Id(3)] public decimal UnitPrice { get; set; }

    /// <summary>Whether the product needed shipping at checkout.</summary>
    [Id(4)] public bool RequiresShipping { get; set; }

    /// <summary>The number the product gave the reservation, handed back when it is settled; 0 before numbers.</summary>
    [Id(5)] public long ReservationNumber { get; set; }
}

/// <summary>A refund the order asked for (see <see cref="OrderState.Refunds"/>).</summary>
[GenerateSerializer, Alias("orderactors.refund-state")]
public sealed class RefundState
{
    /// <summary>The provider's payment to refund; null for a payment recorded by hand.</summary>
    [Id(0)] public string? PaymentId { get; set; }

    [Id(1)] public decimal Amount { get; set; }

    [Id(2)] public string Currency { get; set; } = "";

    /// <summary>Why, for the integrator and the customer: the order was cancelled, the payment came late, the amount was wrong.</summary>
    [Id(3)] public string Reason { get; set; } = "";

    [Id(4)] public RefundStatus Status { get; set; }

    [Id(5)] public DateTimeOffset RequestedAt { get; set; }

    /// <summary>Whether money is still owed to the customer.</summary>
    public bool IsOwed() => Status != RefundStatus.Succeeded;

    public RefundView ToView() => new(PaymentId, Amount, Currency, Reason, Status, RequestedAt);
}

/// <summary>What an order still has to do to its products' stock.</summary>
[GenerateSerializer, Alias("orderactors.stock-action")]
public enum StockAction
{
    None = 0,

    /// <summary>Turn the reservations into sales (after payment).</summary>
    Commit = 1,

    /// <summary>Give the reservations back (cancelled or expired before payment).</summary>
    Release = 2,

    /// <summary>Put sold units back on hand (cancelled after payment).</summary>
    Return = 3,
}
