using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using Orleans.Placement;

namespace OrderActors.Grains.Events;

/// <summary>
/// Keeps the event log to <see cref="EventOptions.Retention"/>. Every <see cref="EventOptions.RetentionInterval"/>
/// it asks every reader of the log what it still needs (<see cref="ILogConsumerGrain.Hold"/>) and deletes the events
/// older than the retention that all of them have passed, sparing the ones a reader may still deliver; each deletion
/// moves the log's horizon in the same statement, so a feed cursor from before it is refused instead of skipping.
/// Stateless: the log and the readers' places are the state, and every silo's keep-alive brings it back after its
/// silo died. A pass that fails (PostgreSQL away) is simply the next one's work.
/// </summary>
[GrainType("log-retention")]
// Stays where it is when Orleans' rebalancer or a stopping silo's hand-off moves activations: it works in the
// background (no shopper's call waits on it), and an activation elsewhere starts its timers and reminders anew.
[Immovable]
public sealed class LogRetentionGrain(
    IEventLog log,
    IOptions<EventOptions> options,
    ILogger<LogRetentionGrain> logger) : Grain, ILogRetentionGrain
{
    /// <summary>Events deleted per statement: each is a short transaction.</summary>
    private const int BatchSize = 5_000;

    /// <summary>A pass ends after this, the rest left to the next: a backlog is worked off in steps, not one long turn.</summary>
    private static readonly TimeSpan PassTime = TimeSpan.FromSeconds(30);

    public Task Wake() => Task.CompletedTask;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Retention is not null)
        {
            var every = options.Value.RetentionInterval;
            this.RegisterGrainTimer(Trim, new GrainTimerCreationOptions(every, every) { KeepAlive = true });
        }

        return Task.CompletedTask;
    }

    private async Task Trim(CancellationToken cancellationToken)
    {
        try
        {
            var before = DateTimeOffset.UtcNow - options.Value.Retention!.Value;
            LogHold?[] found =
            [
                await GrainFactory.Reference<IListingProjectionGrain>(IListingProjectionGrain.Key).Hold(),
                .. await GrainFactory.Reference<IWebhookRegistryGrain>(IWebhookRegistryGrain.Key).Holds(),
            ];
            var holds = found.OfType<LogHold>().ToList();
            var through = holds.Min(h => h.Place);
            var kept = holds.SelectMany(h => h.Kept).ToHashSet();

            var started = Stopwatch.GetTimestamp();
            var deleted = 0L;
            int batch;
            do
            {
                batch = await log.Trim(through, before, kept, BatchSize, cancellationToken);
                deleted += batch;
            }
            while (batch == BatchSize && Stopwatch.GetElapsedTime(started) < PassTime && !cancellationToken.IsCancellationRequested);

            if (deleted > 0)
            {
                Metrics.EventsTrimmed.Add(deleted);
                logger.LogInformation("Deleted {Count} events older than {Before} that every reader of the log had passed", deleted, before);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Could not trim the event log; trying again in {Interval}", options.Value.RetentionInterval);
        }
    }
}
