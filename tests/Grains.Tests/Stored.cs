using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Products;
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

    /// <summary>A product's state as its storage holds it; the product must have been created.</summary>
    public static async Task<ProductState> Product(TestCluster cluster, IProductGrain product) =>
        await Read<ProductState>(cluster, "product", product) ?? throw new InvalidOperationException("the product has no stored state");
}
