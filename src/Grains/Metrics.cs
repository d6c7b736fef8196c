using System.Diagnostics.Metrics;

namespace OrderActors.Grains;

/// <summary>
/// Business counters, counted inside the grains where the business happens; silos export the meter at /metrics.
/// Counters are thread-safe, so grains on any scheduler may add to them.
/// </summary>
public static class Metrics
{
    public const string MeterName = "OrderActors";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> OrdersPlaced =
        Meter.CreateCounter<long>("orderactors.orders.placed", description: "Orders that reached PendingPayment with their stock reserved.");

    public static readonly Counter<long> CheckoutsRefusedForStock =
        Meter.CreateCounter<long>("orderactors.checkouts.refused_for_stock", description: "Checkouts refused because a line was short of stock.");

    public static readonly Counter<long> OrdersExpired =
        Meter.CreateCounter<long>("orderactors.orders.expired", description: "Orders cancelled because their payment window closed.");

    /// <summary>Tagged <c>outcome</c>: <c>paid</c>, or <c>refunded</c> (money taken that could not pay its order; refund requested).</summary>
    public static readonly Counter<long> Payments =
        Meter.CreateCounter<long>("orderactors.payments", description: "Payments received, by outcome: paid, or refunded (taken but could not pay the order).");

    public static readonly Counter<long> RefundsRequested =
        Meter.CreateCounter<long>("orderactors.refunds.requested", description: "Refunds an order asked for (order.refund_requested).");

    /// <summary>Tagged <c>outcome</c>: <c>succeeded</c> or <c>failed</c>, as the provider reported.</summary>
    public static readonly Counter<long> RefundsCompleted =
        Meter.CreateCounter<long>("orderactors.refunds.completed", description: "Refund outcomes the provider reported, by outcome: succeeded or failed.");

    public static readonly Counter<long> EventsAppended =
        Meter.CreateCounter<long>("orderactors.events.appended", description: "Domain events stored with the change that caused them (each reaches the log in that write).");

    public static readonly Counter<long> EventsHandled =
        Meter.CreateCounter<long>("orderactors.events.handled", description: "Events a reader of the log has handled, by reader.");

    public static readonly Counter<long> EventsTrimmed =
        Meter.CreateCounter<long>("orderactors.events.trimmed", description: "Events deleted from the log by its retention, once every reader had passed them.");

    public static readonly Gauge<long> EventLogLag =
        Meter.CreateGauge<long>("orderactors.events.lag", description: "How many events of the log a reader has not handled yet, as that reader last saw it.");

    public static readonly Counter<long> WebhookDeliveries =
        Meter.CreateCounter<long>("orderactors.webhooks.deliveries", description: "Webhook delivery attempts by subscription and outcome: delivered, failed (to be retried) or dead_lettered.");

    public static readonly Gauge<long> WebhookDeadLetters =
        Meter.CreateGauge<long>("orderactors.webhooks.dead_letters", description: "Dead letters a webhook subscription holds, as it last changed.");
}
