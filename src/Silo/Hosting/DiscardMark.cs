using System.Diagnostics.CodeAnalysis;
using Orleans.Metadata;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Marks an activation that <see cref="DiscardOnFailure"/> discards, so that its state stays behind when the activation
/// moves to another silo (<see cref="HandOffOnStop"/>, Orleans' rebalancer): the next activation then reads what is
/// stored instead of receiving a change whose write failed.
/// </summary>
/// <remarks>
/// Orleans dehydrates an activation's migration participants in the order they joined and stops at the first that
/// throws (it logs the error and sends what was added so far). The mark joins when the context is configured, before
/// the grain's constructor adds its persistent states, so refusing here sends no state at all.
/// </remarks>
public sealed class DiscardMark : IGrainMigrationParticipant
{
    private volatile bool discarded;

    /// <summary>Marks the activation as discarded; from now on its state does not move with it.</summary>
    public static void Set(IGrainContext activation)
    {
        if (activation.GetComponent<DiscardMark>() is { } mark)
        {
            mark.discarded = true;
        }
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        if (discarded)
        {
            throw new InvalidOperationException("A discarded activation's state is not handed on: the next activation reads what is stored.");
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
    }

    /// <summary>Gives every activation that can move its mark (stateless workers never move).</summary>
    public sealed class Provider : IConfigureGrainContextProvider, IConfigureGrainContext
    {
        public bool TryGetConfigurator(GrainType grainType, GrainProperties properties, [NotNullWhen(true)] out IConfigureGrainContext? configurator)
        {
            var stateless = properties.Properties.TryGetValue(WellKnownGrainTypeProperties.PlacementStrategy, out var placement)
                && placement == "StatelessWorkerPlacement"; // Orleans names the (internal) strategy type
            configurator = stateless ? null : this;
            return !stateless;
        }

        public void Configure(IGrainContext context)
        {
            var mark = new DiscardMark();
            context.SetComponent(mark);
            context.ObservableLifecycle.AddMigrationParticipant(mark);
        }
    }
}
