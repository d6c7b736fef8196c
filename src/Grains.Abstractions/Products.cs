namespace OrderActors.Grains.Abstractions;

/// <summary>What a new catalog entry starts with.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.create-product")]
public sealed record CreateProduct(
    [property: Id(0)] string Name,
    [property: Id(1)] string Description,
    [property: Id(2)] decimal Price,
    [property: Id(3)] string Currency,
    [property: Id(4)] int Stock,
    [property: Id(5)] bool RequiresShipping = false);

/// <summary>
/// New details and price for an existing catalog entry; with <see cref="AcceptedVersions"/>, only if the product's
/// version is one of them (an HTTP <c>If-Match</c>), checked in the same turn as the update.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.update-product")]
public sealed record UpdateProduct(
    [property: Id(0)] string Name,
    [property: Id(1)] string Description,
    [property: Id(2)] decimal Price,
    [property: Id(3)] string Currency,
    [property: Id(4)] IReadOnlyList<long>? AcceptedVersions = null,
    [property: Id(5)] bool? RequiresShipping = null);

/// <summary>A product as callers see it; <see cref="Available"/> is what can still be reserved.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.product-view")]
public sealed record ProductView(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] string Description,
    [property: Id(3)] decimal Price,
    [property: Id(4)] string Currency,
    [property: Id(5)] int OnHand,
    [property: Id(6)] int Reserved,
    [property: Id(7)] int Available,
    [property: Id(8)] bool Active,
    [property: Id(9)] long Version,
    [property: Id(10)] bool RequiresShipping = false);

/// <summary>
/// A reservation that holds: the quantity and the price it was taken at, and the number the product gave it, which the
/// order hands back when it settles.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.reserved-line")]
public sealed record ReservedLine(
    [property: Id(0)] string Sku,
    [property: Id(1)] string Name,
    [property: Id(2)] decimal UnitPrice,
    [property: Id(3)] string Currency,
    [property: Id(4)] int Quantity,
    [property: Id(5)] bool RequiresShipping = false,
    [property: Id(6)] long Number = 0);
