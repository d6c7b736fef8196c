namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Money taken for an order, as one of the two trusted sources reports it: <c>POST /api/orders/{id}/pay</c> (role
/// payments or admin) or the provider's signed <c>payment.succeeded</c> callback. Both become <see cref="IOrderGrain.Pay"/>.
/// </summary>
/// <param name="Amount">What was taken.</param>
/// <param name="Key">What makes a repeat recognisable: the request's Idempotency-Key, or the provider's event id.</param>
/// <param name="Currency">The currency taken; null means the order's own.</param>
/// <param name="PaymentId">
/// The provider's id of the payment. With one, money is at the provider: a payment that cannot pay the order is
/// recorded and refunded. Without one (recorded by hand) there is nothing to refund, and such a payment is only refused.
/// </param>
[GenerateSerializer, Immutable, Alias("orderactors.payment")]
public sealed record Payment(
    [property: Id(0)] decimal Amount,
    [property: Id(1)] string Key,
    [property: Id(2)] string? Currency = null,
    [property: Id(3)] string? PaymentId = null);

/// <summary>The provider's word on a refund it was asked for: <c>refund.succeeded</c> or <c>refund.failed</c>.</summary>
/// <param name="EventId">The provider's event id; a repeat changes nothing.</param>
/// <param name="PaymentId">The payment refunded, as the refund request named it (null for a payment recorded by hand).</param>
/// <param name="Succeeded">Whether the money went back (<c>refund.succeeded</c>) or not (<c>refund.failed</c>).</param>
[GenerateSerializer, Immutable, Alias("orderactors.refund-outcome")]
public sealed record RefundOutcome(
    [property: Id(0)] string EventId,
    [property: Id(1)] string? PaymentId,
    [property: Id(2)] bool Succeeded);

/// <summary>Where a refund the order asked for stands.</summary>
[GenerateSerializer, Alias("orderactors.refund-status")]
public enum RefundStatus
{
    /// <summary>Asked for (an <c>order.refund_requested</c> event); owed until it succeeds.</summary>
    Requested = 0,

    /// <summary>The provider returned the money.</summary>
    Succeeded = 1,

    /// <summary>The provider could not return it: still owed.</summary>
    Failed = 2,
}

/// <summary>A refund as the order shows it.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.refund-view")]
public sealed record RefundView(
    [property: Id(0)] string? PaymentId,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string Reason,
    [property: Id(4)] RefundStatus Status,
    [property: Id(5)] DateTimeOffset RequestedAt);
