using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Carts;

/// <summary>The persisted state of one customer's cart.</summary>
[GenerateSerializer, Alias("orderactors.cart-state")]
public sealed class CartState
{
    /// <summary>The cart's key, kept in the state so stored data explains itself (the consistency checker reads it).</summary>
    [Id(3)] public string CustomerId { get; set; } = "";

    /// <summary>Lines in the order they were first added.</summary>
    [Id(0)] public List<CartLineState> Lines { get; set; } = [];

    /// <summary>Currency of every line; set by the first line, cleared with the last.</summary>
    [Id(1)] public string? Currency { get; set; }

    /// <summary>When the cart last changed.</summary>
    [Id(2)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Checkouts by idempotency key, kept for the configured retention.</summary>
    [Id(4)] public Dictionary<string, CheckoutRecord> Checkouts { get; set; } = [];

    /// <summary>Whether the reminder that deletes an idle cart is registered.</summary>
    [Id(5)] public bool ExpiryScheduled { get; set; }
}

/// <summary>A SKU in the cart and how many of it.</summary>
[GenerateSerializer, Alias("orderactors.cart-line-state")]
public sealed class CartLineState
{
    /// <summary>The product's SKU.</summary>
    [Id(0)] public string Sku { get; set; } = "";

    /// <summary>Units wanted, 1..1000.</summary>
    [Id(1)] public int Quantity { get; set; }
}

/// <summary>What one checkout idempotency key stands for.</summary>
[GenerateSerializer, Alias("orderactors.checkout-record")]
public sealed class CheckoutRecord
{
    /// <summary>The order this checkout creates; chosen, and persisted, before the order is asked to exist.</summary>
    [Id(0)] public string OrderId { get; set; } = "";

    /// <summary>The content the key placed or was refused for (SKUs and quantities).</summary>
    [Id(1)] public List<RequestedLine> Lines { get; set; } = [];

    /// <summary>When the key was first used; it is forgotten a retention period later.</summary>
    [Id(2)] public DateTimeOffset At { get; set; }

    /// <summary>Pending while the order is being placed; then Placed or Refused.</summary>
    [Id(3)] public CheckoutOutcome Outcome { get; set; }

    /// <summary>Why the checkout was refused, to answer a repeat the same way.</summary>
    [Id(4)] public Error? Refusal { get; set; }

    /// <summary>The shipping details the checkout gave, for the order it creates (kept only as long as the key).</summary>
    [Id(5)] public ShippingDetails? Shipping { get; set; }
}

/// <summary>Where a checkout stands.</summary>
[GenerateSerializer, Alias("orderactors.checkout-outcome")]
public enum CheckoutOutcome
{
    Pending = 0,
    Placed = 1,
    Refused = 2,
}
