using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

internal static class Stored
{
    /// <summary>A grain's state (named <paramref name="state"/>) as its storage holds it, or null when none is stored.</summary>
    public static async Task<T?> Read<T>(TestCluster cluster, string state, IAddressable grain)
    {
        var storage = cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(StorageNames.Orders);
        var stored = new GrainState<T>();
        await storage.ReadStateAsync(state, grain.GetGrainId(), stored);
        return stored.RecordExists ? stored.State : default;
    }
}
