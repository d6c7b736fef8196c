using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderActors.Grains.Abstractions;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>
/// Replays of dead letters against a log that retention trims. A replay the receiver took leaves the subscription's
/// hold at once (in memory), before the write that records it; if that write fails, the next activation comes back
/// with the replay from the stored state, and a retention pass that read the hold meanwhile may have deleted its event.
/// </summary>
[Collection(StandardClusterCollection.Name)]
public sealed class WebhookReplayTests(StandardCluster fixture)
{
    [Fact]
    public async Task A_replay_whose_event_was_deleted_after_it_was_sent_is_dropped_and_the_other_replays_still_go()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var log = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<MemoryEventLog>();
        var webhook = fixture.Grains.GetGrain<IWebhookGrain>(Unique.Key("hook"));
        receiver.Secret = (await webhook.Create(receiver.Url, ["product.created"])).Value!.Secret;

        // Refused once each, they are dead letters at once (the test cluster allows one attempt).
        receiver.AnswerAll(HttpStatusCode.InternalServerError);
        var positions = log.Append(3, "product.created");
        await Poll.For(async () => (await webhook.Get()).Value is { DeadLetters: 3 }, "three dead letters");

        // Replayed: each answered after a second, so the fault is in place well before the write that records them.
        receiver.AnswerAll(HttpStatusCode.OK, TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await webhook.Replay(null)).Value!.Queued);
        await fixture.Grains.GetGrain<IStorageFaultGrain>("webhook")
            .AddFaultOnWrite(webhook.GetGrainId(), new TimeoutException("injected storage timeout"));
        await receiver.WaitFor(received => received.Count(r => r.Accepted) == 3, TimeSpan.FromSeconds(30));

        // What a retention pass that read the hold while that write was in flight does: the first two events go.
        Assert.Equal(2, await log.Trim(LogPlace.Of((await log.Find(positions[1], CancellationToken.None))!),
            DateTimeOffset.UtcNow.AddMinutes(1), [], 100, CancellationToken.None));

        // The next activation comes back with all three replays: it drops the two whose events are gone (each was
        // sent once already) and sends the third again — its recording was lost with the write.
        await Poll.For(async () => (await webhook.Get()).Value is { Replaying: 0, DeadLetters: 0 }, "the replays finished");
        var delivered = receiver.Delivered.Where(r => (long)r.Data["position"]! >= positions[0]).ToList();
        Assert.Equal([positions[0], positions[1], positions[2], positions[2]], delivered.Select(r => (long)r.Data["position"]!));
        var gone = TestClusterSettings.SiloLogs.GetSnapshot()
            .Where(e => e.Level == LogLevel.Warning && e.Message.Contains(webhook.GetPrimaryKeyString(), StringComparison.Ordinal) &&
                        e.Message.Contains("the log no longer holds it", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, gone.Count);
    }
}
