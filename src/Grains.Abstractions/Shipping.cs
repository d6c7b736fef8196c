namespace OrderActors.Grains.Abstractions;

/// <summary>Where an order goes. <see cref="Country"/> is an ISO 3166-1 alpha-2 code (<c>FR</c>, <c>US</c>).</summary>
[GenerateSerializer, Immutable, Alias("orderactors.shipping-address")]
public sealed record ShippingAddress(
    [property: Id(0)] string RecipientName,
    [property: Id(1)] string Line1,
    [property: Id(2)] string? Line2,
    [property: Id(3)] string City,
    [property: Id(4)] string? Region,
    [property: Id(5)] string PostalCode,
    [property: Id(6)] string Country);

/// <summary>Whom to tell about the delivery: an e-mail address and, optionally, an E.164 phone number (<c>+33612345678</c>).</summary>
[GenerateSerializer, Immutable, Alias("orderactors.contact")]
public sealed record Contact(
    [property: Id(0)] string Email,
    [property: Id(1)] string? Phone);

/// <summary>
/// An order's shipping details, snapshotted at checkout and replaceable until it ships. Personal data: it is shown to
/// the order's owner and admins and carried in the order's events, never written to a log.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.shipping-details")]
public sealed record ShippingDetails(
    [property: Id(0)] ShippingAddress? ShippingAddress,
    [property: Id(1)] Contact? Contact);
