using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>
/// One of a few shards that remember when each unfinished order must be looked at again: its payment deadline, or a
/// stock effect to retry. At that time the shard asks the order (<see cref="IOrderGrain.CheckDeadline"/>) and keeps
/// the entry until the order answers that nothing is left. Many orders share one shard's reminder and writes, so an
/// order costs no reminder write of its own.
/// </summary>
[Alias("orderactors.IDeadlineGrain")]
public interface IDeadlineGrain : IGrainWithStringKey
{
    /// <summary>Remembers that <paramref name="orderId"/> must be asked at <paramref name="due"/>; completes once that is durable.</summary>
    [Alias("track")]
    Task Track(string orderId, DateTimeOffset due);

    /// <summary>
    /// Forgets the entry of <paramref name="orderId"/> tracked for <paramref name="due"/> (one-way; an entry tracked
    /// since for another time stays). Not written on its own: a forgotten entry a crash brings back costs one question.
    /// </summary>
    [OneWay]
    [Alias("untrack")]
    Task Untrack(string orderId, DateTimeOffset due);
}
