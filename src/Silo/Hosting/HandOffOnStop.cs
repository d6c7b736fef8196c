using System.Collections.Concurrent;
using Orleans.Runtime.Placement;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// On a graceful stop, moves this silo's recently used activations of our grains to the silos that stay, state and all,
/// instead of deactivating them: the next call to a busy cart, order or product finds it already active elsewhere rather
/// than waiting for a new activation that reads its state from PostgreSQL while the cluster absorbs the stop.
/// </summary>
/// <remarks>
/// "Recently used" is Orleans' working set (a call in the last 10 to 20 s); idle activations deactivate as before, since
/// most are never called again. Orleans migrates an activation only after its in-flight calls and
/// <c>OnDeactivateAsync</c> have completed, and registers the moved activation only in place of its old registration
/// (if a call activated the grain elsewhere meanwhile, that one stays and the moved one is dropped). An activation being discarded after a failed write keeps its state
/// behind (<see cref="DiscardMark"/>); a migration that fails (the target left, or refused) is a plain deactivation.
/// Runs as the silo leaves the membership, before Orleans deactivates what is left. Opt-in (<c>Orleans:HandOffOnStop</c>):
/// on a saturated cluster a measured stop's migrations stalled until Orleans' 30 s deactivation timeout.
/// </remarks>
public sealed partial class HandOffOnStop(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    ILogger<HandOffOnStop> logger) : IActivationWorkingSetObserver, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<IGrainContext, byte> recent = new();

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
        if (member is IGrainContext activation && DiscardOnFailure.IsOurs(activation.GrainInstance) && activation.GetComponent<DiscardMark>() is not null)
        {
            recent.TryAdd(activation, 0);
        }
    }

    private void Forget(IActivationWorkingSetMember member)
    {
        if (member is IGrainContext activation)
        {
            recent.TryRemove(activation, out _);
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

        var handedOff = 0;
        foreach (var activation in recent.Keys)
        {
            var target = targets[handedOff++ % targets.Length];
            activation.Migrate(new Dictionary<string, object> { [IPlacementDirector.PlacementHintKey] = target }, cancellationToken);
        }

        LogHandingOff(logger, handedOff, targets.Length);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: handing {Count} recently used activations to {Silos} other silo(s)")]
    private static partial void LogHandingOff(ILogger logger, int count, int silos);
}
