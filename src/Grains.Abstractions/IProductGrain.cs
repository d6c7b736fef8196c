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
    /// Holds <paramref name="quantity"/> units for <paramref name="reservationId"/>, all or nothing.
    /// Repeating it with the same id returns the existing reservation and changes nothing.
    /// Refuses with a shortage (Conflict) when fewer are available or the product is inactive or unknown.
    /// </summary>
    [SafeToRetry]
    [Alias("reserve")]
    Task<Result<ReservedLine>> Reserve(string reservationId, int quantity);

    /// <summary>Gives the reserved units back to availability. Releasing an unknown or released id does nothing.</summary>
    [SafeToRetry]
    [Alias("release")]
    Task<Result<Done>> Release(string reservationId);

    /// <summary>
    /// Turns the reservation into a sale: on-hand and reserved both drop by its quantity.
    /// Committing an id that is no longer open does nothing.
    /// </summary>
    [SafeToRetry]
    [Alias("commit")]
    Task<Result<Done>> Commit(string reservationId);

    /// <summary>Puts <paramref name="quantity"/> sold units back on hand, once per <paramref name="returnId"/>.</summary>
    [SafeToRetry]
    [Alias("return-stock")]
    Task<Result<ProductView>> ReturnStock(string returnId, int quantity);
}
