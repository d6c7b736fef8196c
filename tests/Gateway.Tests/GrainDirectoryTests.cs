using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;
using StackExchange.Redis;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// What a silo's graceful stop takes with it on the silo that stays (<c>Orleans:GrainDirectory</c>): with Orleans' default
/// directory, every activation whose directory entry the stopping silo kept — about half of them in a cluster of two —
/// each read from PostgreSQL again on its next call; with the Redis directory, none.
/// </summary>
public sealed class GrainDirectoryTests
{
    private const int Carts = 60;

    [Theory]
    [InlineData("Redis", true)]
    [InlineData("Default", false)]
    public async Task A_stopping_silo_leaves_the_other_silos_activations_in_place_only_with_the_redis_directory(string directory, bool allStay)
    {
        var settings = GatewayFixture.NewClusterSettings();
        settings["Orleans:GrainDirectory"] = directory;
        await using var staying = await GatewayFixture.StartSiloAsync(settings);
        await using var leaving = await GatewayFixture.StartSiloAsync(new Dictionary<string, string?>(settings)
        {
            ["Orleans:SiloPort"] = GatewayFixture.FreePort(),
            ["Orleans:GatewayPort"] = GatewayFixture.FreePort(),
            ["Urls"] = $"http://127.0.0.1:{GatewayFixture.FreePort()}",
        });
        var grains = staying.Services.GetRequiredService<IGrainFactory>();
        var here = staying.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var gone = leaving.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        await Task.WhenAll(Enumerable.Range(0, Carts).Select(_ => grains.GetGrain<ICartGrain>(JsonApi.NewKey("directory")).Get()));
        var before = await CartsOn(grains, here);
        Assert.InRange(before, 1, Carts - 1); // placed at random: both silos hold some
        if (allStay)
        {
            Assert.True(await DirectoryEntries(settings) >= Carts, "the carts' entries are not in Redis");
        }

        await leaving.StopAsync();
        var membership = staying.Services.GetRequiredService<IClusterMembershipService>();
        await Poll.For(() => Task.FromResult(membership.CurrentSnapshot.GetSiloStatus(gone) == SiloStatus.Dead), "the staying silo saw the other one leave");
        // Orleans deactivates them as it applies that membership change; give it a moment to have done so.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await CartsOn(grains, here);

        if (allStay)
        {
            Assert.Equal(before, after);
        }
        else
        {
            Assert.True(after < before, $"{before} carts before the stop, {after} after");
        }
    }

    /// <summary>The cart activations <paramref name="silo"/> holds.</summary>
    private static async Task<int> CartsOn(IGrainFactory grains, SiloAddress silo)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics([silo]);
        return statistics.Where(s => s.GrainType.StartsWith(typeof(CartGrain).FullName + ",", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    /// <summary>The entries Orleans' Redis directory keeps for this cluster (its keys start with the cluster id).</summary>
    private static async Task<int> DirectoryEntries(IReadOnlyDictionary<string, string?> settings)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(settings["ConnectionStrings:Redis"]!);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        return await server.KeysAsync(pattern: $"{settings["Orleans:ClusterId"]}/directory/*").CountAsync();
    }
}
