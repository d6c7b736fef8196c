using System.Runtime.CompilerServices;
using OrderActors.Grains.Abstractions;
using Orleans.Storage;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Wraps a grain storage provider with <see cref="DiscardOnFailure"/>'s rule: a failed write or clear deactivates the
/// activation that made it and poisons its state, so no later write from that activation stores what it holds.
/// </summary>
/// <remarks>
/// A write stores the state as it was when the grain asked for it. The ADO.NET provider serializes the state only once
/// it has a connection — after an await, on a thread-pool thread, whenever the pool has none idle (under load) — while
/// a reentrant grain (<see cref="OrderActors.Grains.GroupCommit"/>) goes on changing the same objects in its next
/// turns: the serializer then read a state torn between two turns, or threw "Collection was modified". So the state is
/// serialized here, in the grain's own turn, and the provider's serializer (<see cref="StateJsonSerializer"/>, the one
/// every storage of the silo uses) hands it that JSON: one serialization per write, and never of a later turn.
/// </remarks>
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

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // The provider is handed this turn's state object, kept even if the grain replaces it while the write waits.
        var taken = new GrainState<T>(grainState.State, grainState.ETag) { RecordExists = grainState.RecordExists };
        return Guarded(grainState, () => StateJsonSerializer.WriteAsOfNow(taken.State, async () =>
        {
            await inner.WriteStateAsync(stateName, grainId, taken);
            grainState.ETag = taken.ETag;
            grainState.RecordExists = taken.RecordExists;
        }));
    }

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
            if (activation is not null)
            {
                DiscardOnFailure.Discard(activation, "A storage write failed: the state in memory may not be stored.");
            }

            throw DiscardOnFailure.ForCaller(exception);
        }
    }
}
