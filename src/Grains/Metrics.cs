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

    public static readonly Counter<long> Payments =
        Meter.CreateCounter<long>("orderactors.payments", description: "Orders paid.");
}
