namespace OrderActors.Grains.Abstractions;

/// <summary>A cart as callers see it, priced at the products' current prices.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.cart-view")]
public sealed record CartView(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] IReadOnlyList<CartLineView> Lines,
    [property: Id(2)] decimal Total,
    [property: Id(3)] string? Currency);

/// <summary>One cart line with its current unit price.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.cart-line-view")]
public sealed record CartLineView(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] decimal UnitPrice,
    [property: Id(3)] int Quantity,
    [property: Id(4)] decimal LineTotal);

/// <summary>A SKU and how many of it: what a cart hands to a new order.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.order-request-line")]
public sealed record RequestedLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Quantity);
