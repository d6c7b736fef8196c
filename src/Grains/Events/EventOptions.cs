namespace OrderActors.Grains.Events;

/// <summary>How readers of the event log pace themselves, bound from the <c>Events</c> configuration section.</summary>
public sealed class EventOptions
{
    /// <summary>How often an active reader looks for new events: the usual delay between a change and its listing.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often one product may announce its stock (<c>product.stock_changed</c>): once per interval, and two in a row
    /// after a quiet interval. A product whose stock moves faster (a hot product writes hundreds of times a second)
    /// announces it once per interval; the changes left unannounced are announced by a write when the next one is
    /// allowed, so the log always comes to end on its stock.
    /// </summary>
    public TimeSpan StockChangeInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How many events a reader takes from the log at a time.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// How long one pass of a reader may hold its grain. A reader that is behind ends its pass after the batch that
    /// crosses this and starts the next one at once, so the calls, reminder ticks and deactivation queued meanwhile
    /// get their turn in between instead of waiting until it has caught up.
    /// </summary>
    public TimeSpan PassTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often every silo wakes the log's readers: after a silo dies, its readers resume on another within this
    /// (plus the time membership takes to declare it dead).
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long the log keeps an event: older events are deleted once every reader of the log has passed them (the
    /// listings, every webhook subscription; a subscription's dead letters stay until replayed or dropped). Null keeps
    /// every event. A feed cursor from before the deleted events answers 410.
    /// </summary>
    public TimeSpan? Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the log is trimmed to its retention.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);
}
