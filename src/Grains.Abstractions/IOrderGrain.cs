using Orleans.Concurrency;

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
    /// Placing the same order again finishes an interrupted placement, or returns the order as it was placed.
    /// </summary>
    [Alias("place")]
    Task<Result<OrderView>> Place(PlaceOrder command);

    /// <summary>The order; NotFound if it does not exist.</summary>
    [SafeToRetry]
    [Alias("get")]
    Task<Result<OrderView>> Get();

    /// <summary>The order exactly as its checkout returned it (status PendingPayment); NotFound if it does not exist.</summary>
    [SafeToRetry]
    [Alias("get-as-placed")]
    Task<Result<OrderView>> GetAsPlaced();

    /// <summary>
    /// Pays the order: the amount must equal the total (Unprocessable); commits the reservations.
    /// Paying again with the same <paramref name="idempotencyKey"/> returns the order as that payment left it;
    /// with the same key and another amount it is refused (Unprocessable).
    /// </summary>
    [SafeToRetry]
    [Alias("pay")]
    Task<Result<OrderView>> Pay(decimal amount, string idempotencyKey);

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

    /// <summary>
    /// Tells a product what to do with the reservation this order holds on it. Answered between the order's other
    /// turns so that a product asking while the order waits on that product cannot deadlock.
    /// </summary>
    [Alias("reservation-fate"), AlwaysInterleave]
    Task<ReservationFate> GetReservationFate();
}
