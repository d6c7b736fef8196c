namespace OrderActors.Grains.Carts;

/// <summary>The persisted state of one customer's cart.</summary>
[GenerateSerializer, Alias("orderactors.cart-state")]
public sealed class CartState
{
    /// <summary>Lines in the order they were first added.</summary>
    [Id(0)] public List<CartLineState> Lines { get; set; } = [];

    /// <summary>Currency of every line; set by the first line, cleared with the last.</summary>
    [Id(1)] public string? Currency { get; set; }

    /// <summary>When the cart last changed.</summary>
    [Id(2)] public DateTimeOffset UpdatedAt { get; set; }
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
