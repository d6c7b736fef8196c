namespace OrderActors.Grains.Abstractions;

/// <summary>One customer's cart, keyed by customer id. Holds SKUs and quantities; prices are read live.</summary>
[Alias("orderactors.ICartGrain")]
public interface ICartGrain : IGrainWithStringKey
{
    /// <summary>The cart at current prices; an empty cart if the customer has none.</summary>
    [SafeToRetry]
    [Alias("get")]
    Task<Result<CartView>> Get();

    /// <summary>
    /// Sets the quantity of <paramref name="sku"/>; 0 removes the line. Refuses quantities outside 0..1000 (Invalid),
    /// unknown products (NotFound), inactive products, a 101st line and a currency other than the cart's (Conflict).
    /// </summary>
    [SafeToRetry]
    [Alias("set-quantity")]
    Task<Result<CartView>> SetQuantity(string sku, int quantity);

    /// <summary>Removes the line for <paramref name="sku"/>; removing a line that is not there changes nothing.</summary>
    [SafeToRetry]
    [Alias("remove-line")]
    Task<Result<CartView>> RemoveLine(string sku);

    /// <summary>Empties the cart.</summary>
    [SafeToRetry]
    [Alias("clear")]
    Task<Result<Done>> Clear();

    /// <summary>
    /// Turns the cart into an order in PendingPayment with every line's stock reserved, or into nothing at all:
    /// when any line is short, every reservation is released and the shortages come back (Conflict).
    /// Refuses an empty cart (Invalid). The cart is emptied only once the order exists.
    /// The same <paramref name="idempotencyKey"/> again returns the same answer — the same order, or the same
    /// refusal — however often and however concurrently it is repeated, and whatever the cart holds by then; with
    /// other <paramref name="shipping"/> it is refused (Unprocessable). Keys are remembered for the configured
    /// retention. <paramref name="shipping"/>, when given, is validated per field (Invalid) and snapshotted on the order.
    /// </summary>
    [SafeToRetry]
    [Alias("checkout-with")]
    Task<Result<OrderView>> Checkout(string idempotencyKey, ShippingDetails? shipping = null);
}
