using OrderActors.Grains.Abstractions;

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
