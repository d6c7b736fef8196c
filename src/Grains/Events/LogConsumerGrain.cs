using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using Orleans.Placement;

namespace OrderActors.Grains.Events;

/// <summary>The place of a reader in the event log: every event up to <see cref="Place"/>, in log order, is handled.</summary>
[GenerateSerializer, Alias("orderactors.log-consumer-state")]
public class LogConsumerState
{
    [Id(0)] public LogPlace Place { get; set; } = LogPlace.Start;
}

/// <summary>
/// A reader of the event log that keeps its place in its own grain state. While active it reads every
/// <see cref="EventOptions.PollInterval"/>: each batch after its place goes to <see cref="Handle"/>, then the place
/// is stored past what was handled. A pass holds the grain for at most about <see cref="EventOptions.PassTime"/>;
/// a reader still behind then continues in a new pass at once, after whatever queued for the grain meanwhile.
/// At least once: a silo dying between handling and storing the place makes the next activation handle those events
/// again, so every handler is idempotent. Work lives in the grain, not in one process: a reminder and the silos'
/// keep-alive (<see cref="ILogConsumerGrain.Wake"/>) reactivate it elsewhere after its silo died, and it resumes from
/// the stored place.
/// </summary>
// Every reader of the log, as its subclasses inherit this, stays where it is when Orleans' rebalancer or a stopping
// silo's hand-off moves activations: it works in the background, and an activation elsewhere restarts its timers.
[Immovable]
public abstract class LogConsumerGrain<TState>(
    IPersistentState<TState> state,
    IEventLog log,
    IOptions<EventOptions> options,
    ILogger logger) : Grain, ILogConsumerGrain, IRemindable
    where TState : LogConsumerState, new()
{
    private const string ReminderName = "log-consumer";

    private IGrainTimer? passes;

    /// <summary>Names this reader in metrics and logs.</summary>
    protected abstract string Consumer { get; }

    /// <summary>The event types this reader wants; all when empty.</summary>
    protected virtual IReadOnlyList<string> Types => [];

    protected IPersistentState<TState> State => state;

    public Task Wake() => Task.CompletedTask;

    /// <summary>
    /// Every event after its place. The place in memory may be ahead of the stored one, but only past events already
    /// handled: an activation that comes back from the stored place finds them deleted, and loses nothing it owed.
    /// </summary>
    public virtual Task<LogHold?> Hold() => Task.FromResult<LogHold?>(new LogHold(state.State.Place, []));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var pace = options.Value.PollInterval;
        passes = this.RegisterGrainTimer(ReadNew, new GrainTimerCreationOptions(pace, pace) { KeepAlive = true });
        // Reactivates the reader if no silo wakes it (every silo does, every few seconds).
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    /// <summary>
    /// Handles events in log order and returns how many of them, from the first, are done; the place moves past
    /// those. Returning fewer ends this pass: the rest is offered again, from the first one not done, next time.
    /// </summary>
    protected abstract Task<int> Handle(IReadOnlyList<LoggedEvent> events, CancellationToken cancellationToken);

    /// <summary>
    /// One pass: reads and handles batches until the log has nothing new, a handler stops short or the pass has used
    /// its time. Orleans cancels a timer's token only once the grain is idle, so a pass that ran until caught up would
    /// keep reminder ticks, wakes and a silo's shutdown waiting for as long as the reader stays behind.
    /// </summary>
    private async Task ReadNew(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var page = await log.ReadAfter(state.State.Place, options.Value.BatchSize, Types, cancellationToken);
                var events = page.Events;
                var handled = events.Count == 0 ? 0 : await Handle(events, cancellationToken);
                if (handled > 0)
                {
                    state.State.Place = LogPlace.Of(events[handled - 1]);
                    await state.WriteStateAsync(cancellationToken);
                    Metrics.EventsHandled.Add(handled, new KeyValuePair<string, object?>("consumer", Consumer));
                }

                if (handled < options.Value.BatchSize)
                {
                    if (handled == events.Count && page.End > state.State.Place)
                    {
                        // Nothing of its types up to the log's end: a reader of some types goes on from there, so the
                        // events it does not read are not held for it. Stored with its next write; until then an
                        // activation goes on from the stored place, past the same events.
                        state.State.Place = page.End;
                    }

                    var behind = handled == events.Count ? 0 : await log.CountAfter(state.State.Place, cancellationToken);
                    Metrics.EventLogLag.Record(behind, new KeyValuePair<string, object?>("consumer", Consumer));
                    return;
                }

                if (Stopwatch.GetElapsedTime(started) >= options.Value.PassTime)
                {
                    // Still behind: the next pass is due at once, queued after what waits for the grain now.
                    passes?.Change(TimeSpan.Zero, options.Value.PollInterval);
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The next tick tries again from the stored place; a failed state write discards this activation.
            logger.LogWarning(exception, "Event log reader {Consumer} stopped at position {Position}; it retries", Consumer, state.State.Place.Position);
        }
    }
}
