using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Orders;
using Orleans.Concurrency;

namespace OrderActors.Grains.Deadlines;

/// <summary>
/// A deadline shard: every unfinished order is tracked by one of <see cref="OrderOptions.DeadlineShards"/> of them, so
/// that one reminder and a few grouped writes per shard stand in for a reminder registered and unregistered per order.
/// While the shard is active, a timer asks each order at its time; the reminder (every
/// <see cref="OrderOptions.ReminderPeriod"/>) brings the shard back after its silo died, at most a period late.
/// </summary>
/// <remarks>
/// Reentrant so that tracks arriving while a write is in flight, or within <see cref="OrderOptions.DeadlineWriteDelay"/>
/// before it, go out together (<see cref="GroupCommit"/>): nobody answers a client on a track, so it can wait. Each change is a single dictionary update made before the method's first await, and a
/// sweep changes only the entries it asked about and that nothing replaced during its await.
/// </remarks>
[GrainType("deadlines"), Reentrant]
public sealed class DeadlineGrain : Grain, IDeadlineGrain, IRemindable
{
    public const string ReminderName = "order-deadlines";

    private static readonly ActivitySource Source = new(Traces.SourceName);

    private readonly IPersistentState<DeadlineState> state;
    private readonly IOptions<OrderOptions> options;
    private readonly ILogger<DeadlineGrain> log;
    private readonly GroupCommit writes;

    /// <summary>The shard's reminder, registered once per activation by the first track; it is never unregistered.</summary>
    private readonly ReminderOnce reminder = new(ReminderName);

    /// <summary>The timer that wakes the shard at its earliest entry, and when it is due.</summary>
    private IGrainTimer? alarm;

    private DateTimeOffset alarmAt = DateTimeOffset.MaxValue;

    /// <summary>Whether a sweep is asking orders now; a second one would only ask them twice.</summary>
    private bool sweeping;

    public DeadlineGrain(
        [PersistentState("deadlines", StorageNames.Orders)] IPersistentState<DeadlineState> state,
        IOptions<OrderOptions> options,
        ILogger<DeadlineGrain> log)
    {
        this.state = state;
        this.options = options;
        this.log = log;
        writes = new GroupCommit(() => state.WriteStateAsync(), options.Value.DeadlineWriteDelay);
    }

    private Dictionary<string, DateTimeOffset> Due => state.State.Due;

    /// <summary>The shard that tracks <paramref name="orderId"/>: a stable hash of the id, so every silo picks the same one.</summary>
    public static string KeyFor(string orderId, int shards)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(orderId));
        return $"orders-{BitConverter.ToUInt32(hash, 0) % (uint)Math.Max(1, shards)}";
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Due.Count > 0)
        {
            Wake(Due.Values.Min());
        }

        return Task.CompletedTask;
    }

    public async Task Track(string orderId, DateTimeOffset due)
    {
        state.State.Shard = this.GetPrimaryKeyString();
        Due[orderId] = due;
        Wake(due);
        var persisted = writes.Persist();
        await reminder.Ensure(this, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
        await persisted;
    }

    public Task Untrack(string orderId, DateTimeOffset due)
    {
        if (Due.TryGetValue(orderId, out var tracked) && tracked == due)
        {
            Due.Remove(orderId);
        }

        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Sweep();

    /// <summary>A sweep the timer starts is a trace of its own, not part of whichever call registered the timer.</summary>
    private Task SweepOnTime()
    {
        Activity.Current = null;
        return Sweep();
    }

    /// <summary>Asks every order whose time has come, and stores what each answered.</summary>
    private async Task Sweep()
    {
        if (sweeping)
        {
            return;
        }

        using var span = Source.StartActivity(Traces.DeadlineSweep);
        sweeping = true;
        try
        {
            var now = DateTimeOffset.UtcNow;
            var asked = Due.Where(e => e.Value <= now).ToList();
            var answers = await Task.WhenAll(asked.Select(e => Ask(e.Key)));
            var retry = DateTimeOffset.UtcNow + options.Value.ReminderPeriod;
            foreach (var ((orderId, due), answer) in asked.Zip(answers))
            {
                // Only the entry the order was asked about: a track during the await set a time of its own.
                if (!Due.TryGetValue(orderId, out var current) || current != due)
                {
                    continue;
                }

                if (answer.Failed)
                {
                    Due[orderId] = retry;
                }
                else if (answer.Next is { } next)
                {
                    Due[orderId] = next;
                }
                else
                {
                    Due.Remove(orderId);
                }
            }

            // Also stores what untracking only dropped from memory.
            if (asked.Count > 0)
            {
                await writes.Persist();
            }
        }
        finally
        {
            sweeping = false;
            alarmAt = DateTimeOffset.MaxValue;
            if (Due.Count > 0)
            {
                Wake(Due.Values.Min());
            }
        }
    }

    private async Task<(bool Failed, DateTimeOffset? Next)> Ask(string orderId)
    {
        try
        {
            return (false, await GrainFactory.Reference<IOrderGrain>(orderId).CheckDeadline());
        }
        catch (Exception exception)
        {
            log.LogWarning(exception, "Order {OrderId} could not finish what its deadline asked; it is asked again in {Period}", orderId, options.Value.ReminderPeriod);
            return (true, null);
        }
    }

    /// <summary>Makes sure the timer fires by <paramref name="due"/>.</summary>
    private void Wake(DateTimeOffset due)
    {
        if (due >= alarmAt)
        {
            return;
        }

        alarm?.Dispose();
        alarmAt = due;
        var wait = due - DateTimeOffset.UtcNow;
        alarm = this.RegisterGrainTimer(
            _ => SweepOnTime(),
            new GrainTimerCreationOptions(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }
}
