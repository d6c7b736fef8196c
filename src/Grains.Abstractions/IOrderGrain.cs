using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>
/// One order and its lifecycle: PendingPayment → Paid → Shipped → Delivered, or Cancelled from PendingPayment or Paid,
/// then Refunded once the refunds a cancelled order asked for have succeeded. Every refused transition names the current status.
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
    /// The one way an order becomes Paid, for <c>/pay</c> and the provider's <c>payment.succeeded</c> alike: the order
    /// must await payment (Conflict) and the amount and currency equal its total (Unprocessable); commits the
    /// reservations and records the provider's payment id. A payment that cannot pay the order but carries a provider
    /// payment id is money already taken: it is recorded and its refund requested (<c>order.refund_requested</c>) in the
    /// same write, and the refusal says so. Repeating a payment's key (or its payment id) changes nothing: the payment
    /// that paid returns the order as it left it (another amount under its key is Unprocessable), one that was
    /// refunded is refused again (Conflict). NotFound when the order does not exist.
    /// </summary>
    [SafeToRetry]
    [Alias("pay-with")]
    Task<Result<OrderView>> Pay(Payment payment);

    /// <summary>
    /// Records the provider's outcome of a refund this order asked for. A success settles it; when the order is Cancelled
    /// and nothing is owed any more it becomes Refunded (<c>order.refunded</c>). A failure leaves the refund owed. The same
    /// event id again changes nothing; a payment with no refund owed is a Conflict.
    /// </summary>
    [SafeToRetry]
    [Alias("settle-refund")]
    Task<Result<OrderView>> SettleRefund(RefundOutcome outcome);

    /// <summary>
    /// Paid → Shipped. An order holding a product that needs shipping and no shipping address is refused (Conflict,
    /// naming the missing <c>shippingAddress</c>).
    /// </summary>
    [SafeToRetry]
    [Alias("ship")]
    Task<Result<OrderView>> Ship();

    /// <summary>
    /// Replaces the shipping details (validated per field: Invalid) while the order awaits payment or is paid; after it
    /// shipped, Conflict. Recorded in the history (who and when, not the details) and as <c>order.shipping_changed</c>.
    /// </summary>
    [SafeToRetry]
    [Alias("change-shipping")]
    Task<Result<OrderView>> ChangeShipping(ShippingDetails details);

    /// <summary>Shipped → Delivered.</summary>
    [SafeToRetry]
    [Alias("deliver")]
    Task<Result<OrderView>> Deliver();

    /// <summary>
    /// Cancels from PendingPayment (releases the reservations) or Paid (returns the stock and, in the same write,
    /// requests the payment's refund).
    /// </summary>
    [SafeToRetry]
    [Alias("cancel")]
    Task<Result<OrderView>> Cancel();

    /// <summary>
    /// Tells product <paramref name="sku"/> what to do with its record of this order's last stock call, which reached
    /// <paramref name="stage"/> for the reservation numbered <paramref name="number"/>: Release for a reservation this
    /// order does not hold (it exists no more, or it holds another number — the record came from an outdated copy of it).
    /// Answered between the order's other turns so that a product asking while the order waits on that product cannot
    /// deadlock; while this activation is placing or paying, the answer is always Keep.
    /// </summary>
    [Alias("reservation-fate-of-numbered"), AlwaysInterleave]
    Task<ReservationFate> GetReservationFate(string sku, ReservationStage stage, long number);

    /// <summary>
    /// Called by the order's deadline shard when the time it asked for has come: finishes a stock effect left pending
    /// and cancels an unpaid order whose payment window has passed. Returns when to be asked again, or null when the
    /// order has nothing left that needs a deadline.
    /// </summary>
    [Alias("check-deadline")]
    Task<DateTimeOffset?> CheckDeadline();
}
