using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>A reader of the event log that keeps its own place in it (the listings projection, each webhook subscription).</summary>
[Alias("orderactors.ILogConsumerGrain")]
public interface ILogConsumerGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the reader is active and reading; cheap and idempotent, so every silo calls it now and then.</summary>
    [OneWay]
    Task Wake();

    /// <summary>
    /// What this reader still needs from the log; null when it reads nothing (a deleted subscription). Interleaves
    /// with a pass in flight: it only reads the state, between two of the pass's awaits.
    /// </summary>
    [Alias("hold"), AlwaysInterleave]
    Task<LogHold?> Hold();
}
