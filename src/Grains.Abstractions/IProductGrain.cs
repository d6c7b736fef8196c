using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>A catalog entry and its stock, keyed by SKU. The only place stock changes.</summary>
[Alias("orderactors.IProductGrain")]
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>Creates the product. Refuses invalid fields and a SKU that already exists (Conflict).</summary>
    [Alias("create")]
    Task<Result<ProductView>> Create(CreateProduct command);

    /// <summary>The product as it is now; NotFound if it was never created.</summary>
    [SafeToRetry]
    [Alias("get")]
    Task<Result<ProductView>> Get();

    /// <summary>Replaces name, description, price and currency. Stock and reservations are untouched.</summary>
    [Alias("update")]
    Task<Result<ProductView>> Update(UpdateProduct command);

    /// <summary>Adds <paramref name="delta"/> to the stock on hand; refuses (Conflict) to go below what is reserved.</summary>
    [Alias("adjust-stock")]
    Task<Result<ProductView>> AdjustStock(int delta);

    /// <summary>Takes the product out of sale: no new cart lines or reservations. Open reservations stay valid.</summary>
    [SafeToRetry]
    [Alias("deactivate")]
    Task<Result<ProductView>> Deactivate();

    /// <summary>
    /// Holds <paramref name="quantity"/> units for <paramref name="reservationId"/>, all or nothing, under a new number
    /// (<see cref="ReservedLine.Number"/>), and keeps a record of it until the reservation's order calls
    /// <see cref="Acknowledge"/>. While that record is kept, repeating the call returns the existing reservation and
    /// changes nothing.
    /// Refuses with a shortage (Conflict) when fewer are available or the product is inactive or unknown.
    /// </summary>
    [SafeToRetry]
    [Alias("reserve")]
    Task<Result<ReservedLine>> Reserve(string reservationId, int quantity);

    /// <summary>
    /// Undoes a reservation its order has not acknowledged yet (a placement that cannot finish): the units go back to
    /// availability. Releasing an id with no such record does nothing.
    /// </summary>
    [SafeToRetry]
    [Alias("release")]
    Task<Result<Done>> Release(string reservationId);

    /// <summary>
    /// Ends the reservation numbered <paramref name="number"/> (the number <see cref="Reserve"/> gave it; 0 for one made
    /// before numbers) of <paramref name="quantity"/> units, acknowledged or not: <see cref="Settlement.Commit"/> sells
    /// them (on-hand and reserved both drop), <see cref="Settlement.Release"/> gives them back. Repeating it before the
    /// order acknowledges it changes nothing. Releasing a sale not acknowledged yet undoes it (an order sells before it
    /// stores its payment; one that expires instead releases). Releasing a number that no longer holds units changes
    /// nothing. Refuses (Conflict) a record that says otherwise, a sale of a number that no longer holds units (a
    /// repetition after the acknowledgement, from an outdated copy of the order), or more units than are reserved.
    /// </summary>
    [SafeToRetry]
    [Alias("settle-numbered")]
    Task<Result<Done>> Settle(string reservationId, int quantity, Settlement settlement, long number);

    /// <summary>
    /// The order has durably recorded the outcome of its call that left <paramref name="reservationId"/> at
    /// <paramref name="stage"/> and will not repeat it: the product forgets that record (its write follows). One-way,
    /// so it may arrive after the order's next call: only a record still at that stage is forgotten, so a late
    /// acknowledgement never drops that call's newer record. A lost one is made good by the product's audit.
    /// </summary>
    [OneWay]
    [Alias("acknowledge-stage")]
    Task Acknowledge(string reservationId, ReservationStage stage);

    /// <summary>Puts <paramref name="quantity"/> sold units back on hand, once per <paramref name="returnId"/>.</summary>
    [SafeToRetry]
    [Alias("return-stock")]
    Task<Result<ProductView>> ReturnStock(string returnId, int quantity);
}
