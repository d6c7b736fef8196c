using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;
using Orleans.Core.Internal;
using Orleans.Storage;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>
/// The log readers' place under the rule for failed writes: a reader whose place failed to store forgets the pass
/// (its activation is discarded) and the next activation handles those events again from the stored place — at
/// least once, never skipped.
/// </summary>
[Collection(StandardClusterCollection.Name)]
public sealed class LogConsumerFaultTests(StandardCluster fixture)
{
    [Fact]
    public async Task A_reader_whose_place_failed_to_store_handles_those_events_again_and_skips_none()
    {
        var log = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<MemoryEventLog>();
        var key = Unique.Key("reader");
        var reader = fixture.Grains.GetGrain<ITestLogConsumerGrain>(key);
        var first = log.Append(3, TestLogConsumerGrain.EventTypeOf(key));
        await reader.Wake();
        await Poll.For(async () => await reader.Handled() is { Count: >= 3 }, "the first events handled");

        await fixture.Grains.GetGrain<IStorageFaultGrain>(TestLogConsumerGrain.StateName)
            .AddFaultOnWrite(reader.GetGrainId(), new TimeoutException("injected storage timeout"));
        var second = log.Append(2, TestLogConsumerGrain.EventTypeOf(key));
        // The silos' keep-alive, as it wakes every reader every few seconds.
        await Poll.For(async () =>
        {
            await reader.Wake();
            return TestLogConsumerGrain.HandledBy(key).Count(second.Contains) >= 2 * second.Length
                   && await reader.StoredPosition() == second[^1];
        }, "the events after the failed write handled again and the place stored");

        var handled = TestLogConsumerGrain.HandledBy(key);
        Assert.Equal([.. first, .. second], handled.Distinct().Order());
        // Handled, its place lost with the failed write, then handled again by the next activation.
        Assert.All(second, position => Assert.Equal(2, handled.Count(p => p == position)));
    }

    [Fact]
    public async Task A_reader_gone_after_moving_its_place_in_memory_past_other_types_lets_retention_delete_them_and_loses_nothing()
    {
        var log = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<MemoryEventLog>();
        var key = Unique.Key("reader");
        var reader = fixture.Grains.GetGrain<ITestLogConsumerGrain>(key);
        var first = log.Append(2, TestLogConsumerGrain.EventTypeOf(key));
        await reader.Wake();
        await Poll.For(async () => await reader.StoredPosition() == first[^1], "its own events handled and the place stored");

        // Only events it does not read: its place moves past them in memory, and storage keeps the older place.
        var others = log.Append(3, key + ".other");
        await Poll.For(async () => (await reader.Hold())!.Place.Position == others[^1], "the place moved past the other types");
        Assert.Equal(first[^1], await reader.StoredPosition());

        // A retention pass reads that hold and deletes up to it; then the activation goes without writing, as when its
        // silo dies, and the next one comes back from the stored place, behind what was deleted.
        var hold = (await reader.Hold())!;
        Assert.True(await log.Trim(hold.Place, DateTimeOffset.UtcNow.AddMinutes(1), hold.Kept, int.MaxValue, CancellationToken.None) >= others.Length);
        await reader.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var second = log.Append(2, TestLogConsumerGrain.EventTypeOf(key));
        await Poll.For(async () =>
        {
            await reader.Wake();
            return await reader.StoredPosition() == second[^1];
        }, "the events after the deletion handled by the next activation");

        // Each of its events handled once: none of those it had handled came back, none after them was skipped.
        Assert.Equal([.. first, .. second], TestLogConsumerGrain.HandledBy(key));
    }
}

public interface ITestLogConsumerGrain : ILogConsumerGrain
{
    Task<IReadOnlyList<long>> Handled();

    Task<long> StoredPosition();
}

/// <summary>
/// A log reader that only records what it was handed, per reader key, across its activations. Each reader reads only
/// the events of its own type (<see cref="EventTypeOf"/>): the log is the silo's, shared by every test.
/// </summary>
public sealed class TestLogConsumerGrain(
    [PersistentState(TestLogConsumerGrain.StateName, StorageNames.Orders)] IPersistentState<LogConsumerState> state,
    IEventLog log,
    IOptions<EventOptions> options,
    ILogger<TestLogConsumerGrain> logger) : LogConsumerGrain<LogConsumerState>(state, log, options, logger), ITestLogConsumerGrain
{
    public const string StateName = "test-log-consumer";

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<long>> Seen = new();

    private static readonly ConcurrentDictionary<string, TimeSpan> BatchTimes = new();

    protected override string Consumer => "test";

    protected override IReadOnlyList<string> Types => [EventTypeOf(this.GetPrimaryKeyString())];

    public static string EventTypeOf(string key) => key + ".happened";

    public static IReadOnlyList<long> HandledBy(string key) => [.. Seen.GetOrAdd(key, _ => new())];

    /// <summary>Makes every batch of the reader with this key take <paramref name="batchTime"/>.</summary>
    public static void SlowDown(string key, TimeSpan batchTime) => BatchTimes[key] = batchTime;

    public Task<IReadOnlyList<long>> Handled() => Task.FromResult(HandledBy(this.GetPrimaryKeyString()));

    /// <summary>The place in storage, read apart from the activation's state, which may be ahead of it.</summary>
    public async Task<long> StoredPosition()
    {
        var stored = new GrainState<LogConsumerState>();
        await ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Orders).ReadStateAsync(StateName, this.GetGrainId(), stored);
        return stored.State?.Place.Position ?? LogPlace.Start.Position;
    }

    protected override async Task<int> Handle(IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken)
    {
        if (BatchTimes.TryGetValue(this.GetPrimaryKeyString(), out var batchTime))
        {
            await Task.Delay(batchTime, cancellationToken);
        }

        var seen = Seen.GetOrAdd(this.GetPrimaryKeyString(), _ => new());
        foreach (var logged in events)
        {
            seen.Enqueue(logged.Position);
        }

        return events.Count;
    }
}

/// <summary>An event log in memory: what the tests append, served in order.</summary>
public sealed class MemoryEventLog : IEventLog
{
    private readonly List<LoggedEvent> events = [];
    private LogPlace horizon = LogPlace.Start;

    public long[] Append(int count, string type)
    {
        lock (events)
        {
            return [.. Enumerable.Range(0, count).Select(_ =>
            {
                var position = (events.Count == 0 ? horizon.Position : events[^1].Position) + 1;
                events.Add(new LoggedEvent(position, "test", "entity", position, type, DateTimeOffset.UtcNow, "system", "{}", Transaction: (ulong)position));
                return position;
            })];
        }
    }

    public Task<LogPage> ReadAfter(LogPlace after, int limit, IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        lock (events)
        {
            var start = after > horizon ? after : horizon;
            var end = events.Count > 0 && LogPlace.Of(events[^1]) > start ? LogPlace.Of(events[^1]) : start;
            return Task.FromResult(new LogPage([.. After(start).Where(e => types.Count == 0 || types.Contains(e.Type)).Take(limit)], end, horizon));
        }
    }

    public Task<LogPlace> Head(CancellationToken cancellationToken)
    {
        lock (events)
        {
            return Task.FromResult(events.Count == 0 ? LogPlace.Start : LogPlace.Of(events[^1]));
        }
    }

    public Task<long> CountAfter(LogPlace place, CancellationToken cancellationToken) => Task.FromResult((long)After(place).Count);

    public Task<LoggedEvent?> Find(long position, CancellationToken cancellationToken)
    {
        lock (events)
        {
            return Task.FromResult(events.SingleOrDefault(e => e.Position == position));
        }
    }

    public Task<int> Trim(LogPlace through, DateTimeOffset before, IReadOnlyCollection<long> kept, int limit, CancellationToken cancellationToken)
    {
        lock (events)
        {
            var doomed = events.Where(e => LogPlace.Of(e) <= through && e.OccurredAt < before && !kept.Contains(e.Position)).Take(limit).ToList();
            events.RemoveAll(doomed.Contains);
            horizon = doomed.Count > 0 && LogPlace.Of(doomed[^1]) > horizon ? LogPlace.Of(doomed[^1]) : horizon;
            return Task.FromResult(doomed.Count);
        }
    }

    // In this log every event has its own transaction, in position order.
    private List<LoggedEvent> After(LogPlace place)
    {
        lock (events)
        {
            return [.. events.Where(e => e.Position > place.Position)];
        }
    }
}
