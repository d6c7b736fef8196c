using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Keeps the event log to its retention (<c>Events__Retention</c>): deletes, now and then, the events older than it
/// that every reader of the log has passed. One per cluster, key <see cref="Key"/>.
/// </summary>
[Alias("orderactors.ILogRetentionGrain")]
public interface ILogRetentionGrain : IGrainWithStringKey
{
    public const string Key = "events";

    /// <summary>Makes sure the keeper is active; cheap and idempotent, so every silo calls it now and then.</summary>
    [OneWay]
    Task Wake();
}
