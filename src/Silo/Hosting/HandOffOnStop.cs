using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// On a graceful stop, moves this silo's busiest activations of our grains to the silos that stay, state and all,
/// instead of deactivating them: the next call to a busy cart, order or product finds it already active elsewhere
/// rather than waiting for a new activation that reads its state from PostgreSQL while the cluster absorbs the stop.
/// </summary>
/// <remarks>
/// The candidates are Orleans' working set, which it scans every 5 s; the activations found busy by the most scans go
/// first (the hot products and deadline shards, then the carts being shopped with), and at most <c>limit</c> move
/// (<see cref="OrleansSettings.HandOffLimit"/>). Grains marked <see cref="ImmovableAttribute"/> (the event log's
/// background grains) stay, and the rest deactivate as before, since most are never called again. Orleans migrates an activation only after its in-flight calls and <c>OnDeactivateAsync</c> have
/// completed, holds the calls that arrive meanwhile until the move is done, and sends a silo's moves in batches of up to
/// 1,000, each answered once all of its activations are active on the target: the limit bounds how long those calls wait.
/// The moved activation is registered only in place of its old registration (if a call activated the grain elsewhere
/// meanwhile, that one stays and the moved one is dropped). An activation being discarded after a failed write keeps its
/// state behind (<see cref="DiscardMark"/>); a migration that fails (the target left, or refused) is a plain
/// deactivation.
/// <para>
/// A move not done within <c>timeout</c> (<see cref="OrleansSettings.HandOffTimeout"/>) is given up: Orleans cancels what
/// is left of its deactivation (a write its <c>OnDeactivateAsync</c> makes, its directory entry's removal), as its own
/// deactivation timeout would, and its waiting calls are sent on to be served by a new activation. Without that bound the moves can wait on
/// each other for Orleans' 30 s deactivation timeout: the moves still queued behind a batch hold their grains' calls,
/// and the batch is answered only when the target's activations of its grains are active or gone — one of which may
/// be a copy the target made meanwhile (the directory's entries move with the stopping silo's leave) that is waiting,
/// through a call chain, on a grain held in the queue (docs/benchmarks.md, "The hand-off's stall explained"). Giving
/// up is not free (a cut write, a stale directory entry), so the default leaves room for a slow but progressing hand-off.
/// </para>
/// Runs as the silo leaves the membership, before Orleans deactivates what is left, and logs when the moves are done
/// (or how many were given up). Opt-in (<c>Orleans:HandOffOnStop</c>).
/// </remarks>
public sealed partial class HandOffOnStop(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    ILogger<HandOffOnStop> logger,
    int limit,
    TimeSpan timeout) : IActivationWorkingSetObserver, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Grain classes marked <see cref="ImmovableAttribute"/> (the event log's readers and keepers): they stay.</summary>
    private static readonly ConcurrentDictionary<Type, bool> ImmovableTypes = new();

    /// <summary>Each tracked activation and how many of Orleans' working-set scans found it busy.</summary>
    private readonly ConcurrentDictionary<IGrainContext, int> busy = new();

    public void OnAdded(IActivationWorkingSetMember member) => Track(member);

    public void OnActive(IActivationWorkingSetMember member) => Track(member);

    public void OnEvicted(IActivationWorkingSetMember member) => Forget(member);

    public void OnDeactivating(IActivationWorkingSetMember member) => Forget(member);

    public void OnDeactivated(IActivationWorkingSetMember member) => Forget(member);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(HandOffOnStop), ServiceLifecycleStage.BecomeActive, _ => Task.CompletedTask, HandOff);

    private void Track(IActivationWorkingSetMember member)
    {
        // Every activation that can move carries a discard mark (stateless workers carry none).
        if (member is IGrainContext activation && DiscardOnFailure.IsOurs(activation.GrainInstance) && activation.GetComponent<DiscardMark>() is not null
            && !IsImmovable(activation.GrainInstance!.GetType()))
        {
            busy.AddOrUpdate(activation, 1, (_, scans) => scans + 1);
        }
    }

    private static bool IsImmovable(Type grainClass) =>
        ImmovableTypes.GetOrAdd(grainClass, type => type.GetCustomAttributes(typeof(ImmovableAttribute), inherit: true).Length > 0);

    private void Forget(IActivationWorkingSetMember member)
    {
        if (member is IGrainContext activation)
        {
            busy.TryRemove(activation, out _);
        }
    }

    private Task HandOff(CancellationToken cancellationToken)
    {
        var targets = membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active && !member.SiloAddress.Equals(local.SiloAddress))
            .Select(member => member.SiloAddress)
            .ToArray();
        if (targets.Length == 0 || cancellationToken.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var tracked = busy.ToArray();
        var moving = tracked.OrderByDescending(entry => entry.Value)
            .Take(Math.Max(0, limit))
            .Select(entry => entry.Key)
            .ToArray();
        // Orleans gives a move up when its token is cancelled, at any step: the activation then deactivates in place.
        var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        giveUp.CancelAfter(timeout);
        for (var i = 0; i < moving.Length; i++)
        {
            moving[i].Migrate(new Dictionary<string, object> { [IPlacementDirector.PlacementHintKey] = targets[i % targets.Length] }, giveUp.Token);
        }

        LogHandingOff(logger, moving.Length, targets.Length, tracked.Length - moving.Length);
        _ = Report(moving, giveUp);
        return Task.CompletedTask;
    }

    /// <summary>Logs when every move has ended, and how many were given up at the timeout.</summary>
    private async Task Report(IGrainContext[] moving, CancellationTokenSource giveUp)
    {
        using var _ = giveUp;
        var clock = Stopwatch.StartNew();
        var done = Task.WhenAll(moving.Select(activation => activation.Deactivated));
        var givenUp = 0;
        // Counted when the moves are given up (the timeout, or the stop's own cancellation): the same token Orleans heeds.
        if (await Task.WhenAny(done, Task.Delay(Timeout.InfiniteTimeSpan, giveUp.Token)) != done)
        {
            givenUp = moving.Count(activation => !activation.Deactivated.IsCompleted);
            LogGivingUp(logger, givenUp, moving.Length, clock.Elapsed.TotalSeconds);
        }

        await done;
        LogHandedOff(logger, moving.Length - givenUp, moving.Length, clock.Elapsed.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: handing {Count} busiest activations to {Silos} other silo(s); {Left} less busy ones deactivate")]
    private static partial void LogHandingOff(ILogger logger, int count, int silos, int left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Moving} of {Count} handed-off activations still moving after {Seconds:0.0} s; given up, they deactivate instead")]
    private static partial void LogGivingUp(ILogger logger, int moving, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Moved} of {Count} activations handed off, all ended in {Seconds:0.0} s")]
    private static partial void LogHandedOff(ILogger logger, int moved, int count, double seconds);
}
