using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.Tests;

/// <summary>
/// A log reader far behind holds its grain for one pass at a time (<see cref="EventOptions.PassTime"/>), so a call
/// to it — like a reminder tick, a silo's wake or its deactivation — runs between two passes instead of after the
/// whole backlog.
/// </summary>
[Collection(StandardClusterCollection.Name)]
public sealed class LogConsumerPassTests(StandardCluster fixture)
{
    [Fact]
    public async Task A_reader_far_behind_answers_a_call_before_it_has_caught_up_and_handles_every_event_once()
    {
        var log = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<MemoryEventLog>();
        var options = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IOptions<EventOptions>>().Value;
        // A backlog that takes this reader several pass times to handle: one batch per SlowLogConsumerGrain.BatchTime.
        var batches = (int)Math.Ceiling(4 * options.PassTime / SlowLogConsumerGrain.BatchTime);
        var backlog = log.Append(batches * options.BatchSize, SlowLogConsumerGrain.EventType);
        var key = Unique.Key("slow-reader");
        var reader = fixture.Grains.GetGrain<ISlowLogConsumerGrain>(key);

        await reader.Wake();
        await Eventually.Until(() => Task.FromResult(SlowLogConsumerGrain.HandledBy(key).Count > 0), "the first batch handled");
        var handledWhenAnswered = await reader.HandledSoFar();

        Assert.InRange(handledWhenAnswered, 1, backlog.Length - 1);
        await Eventually.Until(() => Task.FromResult(SlowLogConsumerGrain.HandledBy(key).Count >= backlog.Length), "every event handled");
        Assert.Equal(backlog, SlowLogConsumerGrain.HandledBy(key).Order());
    }
}

public interface ISlowLogConsumerGrain : ILogConsumerGrain
{
    /// <summary>How many events this reader had handled when the call ran in the grain.</summary>
    Task<long> HandledSoFar();
}

/// <summary>A log reader whose every batch takes <see cref="BatchTime"/>; it records what it handled, per reader key.</summary>
public sealed class SlowLogConsumerGrain(
    [PersistentState(TestLogConsumerGrain.StateName, StorageNames.Orders)] IPersistentState<LogConsumerState> state,
    IEventLog log,
    IOptions<EventOptions> options,
    ILogger<SlowLogConsumerGrain> logger) : LogConsumerGrain<LogConsumerState>(state, log, options, logger), ISlowLogConsumerGrain
{
    public const string EventType = "slow-test.happened";

    public static readonly TimeSpan BatchTime = TimeSpan.FromMilliseconds(250);

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<long>> Seen = new();

    protected override string Consumer => "slow-test";

    protected override IReadOnlyList<string> Types => [EventType];

    public static IReadOnlyList<long> HandledBy(string key) => [.. Seen.GetOrAdd(key, _ => new())];

    public Task<long> HandledSoFar() => Task.FromResult((long)HandledBy(this.GetPrimaryKeyString()).Count);

    protected override async Task<int> Handle(IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken)
    {
        await Task.Delay(BatchTime, cancellationToken);
        var seen = Seen.GetOrAdd(this.GetPrimaryKeyString(), _ => new());
        foreach (var logged in events)
        {
            seen.Enqueue(logged.Position);
        }

        return events.Count;
    }
}
