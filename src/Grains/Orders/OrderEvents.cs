using Microsoft.Extensions.Logging;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Orders;

/// <summary>
/// The business events of an order, each counted for /metrics and written to the log in one call from
/// <see cref="OrderGrain"/>. No amounts or payment details are logged.
/// </summary>
internal static partial class OrderEvents
{
    public static void Placed(ILogger logger, string orderId, string customerId)
    {
        Metrics.OrdersPlaced.Add(1);
        LogPlaced(logger, orderId, customerId);
    }

    public static void Refused(ILogger logger, string orderId, Error refusal)
    {
        if (!refusal.Shortages.IsDefaultOrEmpty)
        {
            Metrics.CheckoutsRefusedForStock.Add(1);
            LogRefusedForStock(logger, orderId, refusal.Shortages.Length);
        }
    }

    public static void Expired(ILogger logger, string orderId)
    {
        Metrics.OrdersExpired.Add(1);
        LogExpired(logger, orderId);
    }

    public static void Paid(ILogger logger, string orderId)
    {
        Metrics.Payments.Add(1, new KeyValuePair<string, object?>("outcome", "paid"));
        LogPaid(logger, orderId);
    }

    public static void PaymentRefunded(ILogger logger, string orderId)
    {
        Metrics.Payments.Add(1, new KeyValuePair<string, object?>("outcome", "refunded"));
        LogPaymentRefunded(logger, orderId);
    }

    public static void RefundSettled(ILogger logger, string orderId, bool succeeded)
    {
        Metrics.RefundsCompleted.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));
        LogRefundSettled(logger, orderId, succeeded ? "succeeded" : "failed");
    }

    [LoggerMessage(LogLevel.Information, "Order {OrderId} placed for customer {CustomerId}")]
    private static partial void LogPlaced(ILogger logger, string orderId, string customerId);

    [LoggerMessage(LogLevel.Information, "Order {OrderId} refused: {ShortLines} line(s) short of stock")]
    private static partial void LogRefusedForStock(ILogger logger, string orderId, int shortLines);

    [LoggerMessage(LogLevel.Information, "Order {OrderId} expired unpaid")]
    private static partial void LogExpired(ILogger logger, string orderId);

    [LoggerMessage(LogLevel.Information, "Order {OrderId} paid")]
    private static partial void LogPaid(ILogger logger, string orderId);

    [LoggerMessage(LogLevel.Warning, "Order {OrderId} received a payment it cannot take: refund requested")]
    private static partial void LogPaymentRefunded(ILogger logger, string orderId);

    [LoggerMessage(LogLevel.Information, "Order {OrderId}: refund {Outcome}")]
    private static partial void LogRefundSettled(ILogger logger, string orderId, string outcome);
}
