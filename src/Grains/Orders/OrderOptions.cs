namespace OrderActors.Grains.Orders;

/// <summary>Timing of checkout, orders, carts and reservations, bound from the <c>Orders</c> configuration section.</summary>
public sealed class OrderOptions
{
    /// <summary>How long an order may stay in PendingPayment before it is cancelled and its stock released.</summary>
    public TimeSpan PaymentWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long after checkout an order checks that its placement finished; a placement interrupted by a crash is
    /// undone then. Also the age after which a product asks the owner of a reservation whether it still holds.
    /// Together they bound how long a crash can strand stock.
    /// </summary>
    public TimeSpan RecoveryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a reminder ticks again when its last tick could not finish its work.</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many deadline shards track unfinished orders (each one grain with one reminder). Changing it is safe: an
    /// order untracks from the shard it would pick now, and a shard asks its orders anyway when their time comes.
    /// </summary>
    public int DeadlineShards { get; set; } = 4;

    /// <summary>
    /// How long a deadline shard collects tracks before it writes them together. No client waits on it: an order
    /// answers once it is stored and acknowledges its reservations only once its deadline is stored too.
    /// </summary>
    public TimeSpan DeadlineWriteDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a product may hold acknowledgements in memory only: the next write of the product stores them, or a write
    /// of their own this long after the first of them. Nothing waits on them; a crash in between only makes the
    /// product's audit ask those orders again. Longer than the few seconds between a catalog product's reservations at
    /// a busy hour, so that the next reservation's write, not one of their own, usually stores them.
    /// </summary>
    public TimeSpan AcknowledgementWriteDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long checkout and payment idempotency keys are remembered.</summary>
    public TimeSpan IdempotencyKeyRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a cart may stay untouched before it is deleted.</summary>
    public TimeSpan CartIdleTime { get; set; } = TimeSpan.FromDays(7);
}
