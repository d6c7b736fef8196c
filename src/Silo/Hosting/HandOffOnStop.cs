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
/// deactivation. Runs as the silo leaves the membership, before Orleans deactivates what is left, and logs when the
/// moves are done (or how many are still moving after <see cref="SlowAfter"/>). Opt-in (<c>Orleans:HandOffOnStop</c>).
/// </remarks>
public sealed partial class HandOffOnStop(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    ILogger<HandOffOnStop> logger,
    int limit) : IActivationWorkingSetObserver, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Grain classes marked <see cref="ImmovableAttribute"/> (the event log's readers and keepers): they stay.</summary>
    private static readonly ConcurrentDictionary<Type, bool> ImmovableTypes = new();

    /// <summary>When the hand-off reports the moves that have not finished.</summary>
    private static readonly TimeSpan SlowAfter = TimeSpan.FromSeconds(5);

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
        for (var i = 0; i < moving.Length; i++)
        {
            moving[i].Migrate(new Dictionary<string, object> { [IPlacementDirector.PlacementHintKey] = targets[i % targets.Length] }, cancellationToken);
        }

        LogHandingOff(logger, moving.Length, targets.Length, tracked.Length - moving.Length);
        _ = Report(moving);
        return Task.CompletedTask;
    }

    /// <summary>Logs when every move has finished, and how many are left if that takes longer than <see cref="SlowAfter"/>.</summary>
    private async Task Report(IGrainContext[] moving)
    {
        var clock = Stopwatch.StartNew();
        var done = Task.WhenAll(moving.Select(activation => activation.Deactivated));
        if (await Task.WhenAny(done, Task.Delay(SlowAfter)) != done)
        {
            LogStillMoving(logger, moving.Count(activation => !activation.Deactivated.IsCompleted), moving.Length, clock.Elapsed.TotalSeconds);
        }

        await done;
        LogHandedOff(logger, moving.Length, clock.Elapsed.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: handing {Count} busiest activations to {Silos} other silo(s); {Left} less busy ones deactivate")]
    private static partial void LogHandingOff(ILogger logger, int count, int silos, int left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: {Moving} of {Count} handed-off activations still moving after {Seconds:0.0} s; calls to them wait")]
    private static partial void LogStillMoving(ILogger logger, int moving, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: {Count} activations handed off in {Seconds:0.0} s")]
    private static partial void LogHandedOff(ILogger logger, int count, double seconds);
}
