namespace OrderActors.Grains.Orders;

/// <summary>Timing of orders, bound from the <c>Orders</c> configuration section.</summary>
public sealed class OrderOptions
{
    /// <summary>How long an order may stay in PendingPayment before it is cancelled and its stock released.</summary>
    public TimeSpan PaymentWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often an order's reminder ticks again when its last tick could not finish the work.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
