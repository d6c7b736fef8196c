namespace OrderActors.Grains.Abstractions;

/// <summary>
/// One order and its lifecycle: PendingPayment → Paid → Shipped → Delivered, or Cancelled from PendingPayment or Paid.
/// Every refused transition names the current status.
/// </summary>
[Alias("orderactors.IOrderGrain")]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Reserves every line (all or nothing), snapshots prices and leaves the order in PendingPayment with a payment deadline.
    /// When a line is short, releases what was reserved, forgets the order and returns the shortages (Conflict).
    /// Placing the same order again returns it unchanged.
    /// </summary>
    [Alias("place")]
    Task<Result<OrderView>> Place(PlaceOrder command);

    /// <summary>The order; NotFound if it does not exist.</summary>
    [SafeToRetry]
    [Alias("get")]
    Task<Result<OrderView>> Get();

    /// <summary>Pays the order: the amount must equal the total (Unprocessable); commits the reservations.</summary>
    [Alias("pay")]
    Task<Result<OrderView>> Pay(decimal amount);

    /// <summary>Paid → Shipped.</summary>
    [SafeToRetry]
    [Alias("ship")]
    Task<Result<OrderView>> Ship();

    /// <summary>Shipped → Delivered.</summary>
    [SafeToRetry]
    [Alias("deliver")]
    Task<Result<OrderView>> Deliver();

    /// <summary>Cancels from PendingPayment (releases the reservations) or Paid (returns the stock).</summary>
    [SafeToRetry]
    [Alias("cancel")]
    Task<Result<OrderView>> Cancel();
}
