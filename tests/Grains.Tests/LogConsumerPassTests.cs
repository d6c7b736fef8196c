using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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
        var services = fixture.Cluster.GetSiloServiceProvider();
        var options = services.GetRequiredService<IOptions<EventOptions>>().Value;
        var key = Unique.Key("slow-reader");
        var batchTime = TimeSpan.FromMilliseconds(250);
        TestLogConsumerGrain.SlowDown(key, batchTime);
        // A backlog that takes this reader about four pass times to handle.
        var batches = (int)Math.Ceiling(4 * options.PassTime / batchTime);
        var backlog = services.GetRequiredService<MemoryEventLog>().Append(batches * options.BatchSize, TestLogConsumerGrain.EventTypeOf(key));
        var reader = fixture.Grains.GetGrain<ITestLogConsumerGrain>(key);

        await reader.Wake();
        await Poll.For(() => Task.FromResult(TestLogConsumerGrain.HandledBy(key).Count > 0), "the first batch handled");
        var handledWhenAnswered = (await reader.Handled()).Count;

        Assert.InRange(handledWhenAnswered, 1, backlog.Length - 1);
        await Poll.For(() => Task.FromResult(TestLogConsumerGrain.HandledBy(key).Count >= backlog.Length), "every event handled");
        Assert.Equal(backlog, TestLogConsumerGrain.HandledBy(key).Order());
    }
}
