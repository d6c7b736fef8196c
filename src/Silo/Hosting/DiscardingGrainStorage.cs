using System.Runtime.CompilerServices;
using OrderActors.Grains.Abstractions;
using Orleans.Storage;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Wraps a grain storage provider with <see cref="DiscardOnFailure"/>'s rule: a failed write or clear deactivates the
/// activation that made it and poisons its state, so no later write from that activation stores what it holds.
/// </summary>
public sealed class DiscardingGrainStorage(IGrainStorage inner, IGrainContextAccessor contexts)
    : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>States whose last write failed: their activation is being discarded.</summary>
    private readonly ConditionalWeakTable<object, Exception> poisoned = [];

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await inner.ReadStateAsync(stateName, grainId, grainState);
            poisoned.Remove(grainState);
        }
        catch (Exception exception)
        {
            throw DiscardOnFailure.ForCaller(exception);
        }
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guarded(grainState, () => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Guarded(grainState, () => inner.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);

    private async Task Guarded(object grainState, Func<Task> write)
    {
        if (poisoned.TryGetValue(grainState, out var earlier))
        {
            throw new DependencyUnavailableException($"An earlier write of this activation failed; it is being discarded. ({earlier.Message})");
        }

        // Storage calls start on the grain's own scheduler, so this is the activation that made the change.
        var activation = contexts.GrainContext;
        try
        {
            await write();
        }
        catch (Exception exception)
        {
            poisoned.AddOrUpdate(grainState, exception);
            // No exception in the reason: Orleans would reject the calls queued meanwhile with it instead of rerouting
            // them to the next activation.
            activation?.Deactivate(new(DeactivationReasonCode.ApplicationError, "A storage write failed: the state in memory may not be stored."));
            throw DiscardOnFailure.ForCaller(exception);
        }
    }
}
