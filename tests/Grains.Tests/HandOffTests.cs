using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>What a silo's graceful stop does with the activations it was busy with: hands them on, state and all.</summary>
public sealed class HandOffTests(HandOffCluster fixture) : IClassFixture<HandOffCluster>
{
    private IStorageFaultGrain CartFaults => fixture.Grains.GetGrain<IStorageFaultGrain>("cart");

    private Task<string> Warm() => HandOffSteps.Warm(fixture.Cluster);

    private Task<SiloHandle> SecondSilo() => HandOffSteps.SecondSilo(fixture.Cluster);

    private Task<ICartGrain> CartOn(SiloHandle silo, string sku) => HandOffSteps.CartOn(fixture.Cluster, silo, sku);

    [Fact]
    public async Task A_stopping_silo_hands_its_busy_cart_to_the_silo_that_stays_without_a_storage_read()
    {
        var sku = await Warm();
        var secondary = await SecondSilo();
        var cart = await CartOn(secondary, sku);

        // The next activation may not read the cart: a read now fails.
        await CartFaults.AddFaultOnRead(cart.GetGrainId(), new TimeoutException("injected: the cart was read again"));
        await fixture.Cluster.StopSiloAsync(secondary);

        var view = (await cart.Get()).Value!;
        Assert.Equal([(sku, 1)], view.Lines.Select(l => (l.Sku, l.Quantity)));
    }

    [Fact]
    public async Task A_cart_whose_write_fails_while_its_silo_stops_leaves_its_unstored_change_behind()
    {
        var sku = await Warm();
        var other = await fixture.Grains.NewProduct();
        var secondary = await SecondSilo();
        var cart = await CartOn(secondary, sku);

        // The second line's write is in flight when the silo starts handing the cart on, and fails: the cart in memory
        // holds a line that is not stored, and its next activation must not receive it.
        await CartFaults.AddFaultOnWrite(cart.GetGrainId(), new TimeoutException("injected storage timeout"));
        var adding = cart.SetQuantity(other, 1);
        await Task.Delay(HandOffCluster.Latency / 5);
        var stopping = fixture.Cluster.StopSiloAsync(secondary);
        await Assert.ThrowsAnyAsync<Exception>(() => adding);
        await stopping;

        var view = (await cart.Get()).Value!;
        Assert.Equal([(sku, 1)], view.Lines.Select(l => (l.Sku, l.Quantity)));
    }
}

/// <summary>A stopping silo hands on no more activations than its limit.</summary>
public sealed class HandOffLimitTests(HandOffOneCluster fixture) : IClassFixture<HandOffOneCluster>
{
    [Fact]
    public async Task A_stopping_silo_limited_to_one_hands_on_one_of_its_two_busy_carts()
    {
        var sku = await HandOffSteps.Warm(fixture.Cluster);
        var secondary = await HandOffSteps.SecondSilo(fixture.Cluster);
        ICartGrain[] carts = [await HandOffSteps.CartOn(fixture.Cluster, secondary, sku), await HandOffSteps.CartOn(fixture.Cluster, secondary, sku)];

        // A cart that was not handed on must read its state again, and a read now fails.
        var faults = fixture.Grains.GetGrain<IStorageFaultGrain>("cart");
        foreach (var cart in carts)
        {
            await faults.AddFaultOnRead(cart.GetGrainId(), new TimeoutException("injected: the cart was read again"));
        }

        await fixture.Cluster.StopSiloAsync(secondary);

        var answered = 0;
        foreach (var cart in carts)
        {
            try
            {
                var view = (await cart.Get()).Value!;
                Assert.Equal([(sku, 1)], view.Lines.Select(l => (l.Sku, l.Quantity)));
                answered++;
            }
            catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
            {
                // Deactivated, not handed on: its next activation's read failed.
            }
        }

        Assert.Equal(1, answered);
    }
}

/// <summary>A stopping silo gives up the moves that are not done within its hand-off timeout.</summary>
public sealed class HandOffTimeoutTests(HandOffQuickCluster fixture) : IClassFixture<HandOffQuickCluster>
{
    [Fact]
    public async Task A_cart_whose_move_outlasts_the_timeout_deactivates_in_place_and_is_read_again()
    {
        var sku = await HandOffSteps.Warm(fixture.Cluster);
        var other = await fixture.Grains.NewProduct();
        var secondary = await HandOffSteps.SecondSilo(fixture.Cluster);
        var cart = await HandOffSteps.CartOn(fixture.Cluster, secondary, sku);

        // A cart moves only after its running call: this one's write takes longer than the timeout, so its move is
        // given up and its next activation reads the cart again — and that read now fails.
        var faults = fixture.Grains.GetGrain<IStorageFaultGrain>("cart");
        var adding = cart.SetQuantity(other, 1);
        await Task.Delay(HandOffCluster.Latency / 5);
        await faults.AddFaultOnRead(cart.GetGrainId(), new TimeoutException("injected: the cart was read again"));
        await fixture.Cluster.StopSiloAsync(secondary);
        Assert.True((await adding).IsSuccess);

        await Assert.ThrowsAnyAsync<Exception>(() => cart.Get());
        var view = (await cart.Get()).Value!;
        Assert.Equal(new[] { (sku, 1), (other, 1) }.Order(), view.Lines.Select(l => (l.Sku, l.Quantity)).Order());
    }
}

/// <summary>The steps of the hand-off tests: a warmed first silo, a second one, and carts placed on it.</summary>
internal static class HandOffSteps
{
    /// <summary>A product and a cart written on the first silo, so each storage's memory grain and fault grain live there.</summary>
    public static async Task<string> Warm(TestCluster cluster)
    {
        var sku = await cluster.GrainFactory.NewProduct();
        await cluster.GrainFactory.CartWith((sku, 1));
        return sku;
    }

    /// <summary>A second silo, once every silo counts it active (before that, none places a grain on it).</summary>
    public static async Task<SiloHandle> SecondSilo(TestCluster cluster)
    {
        var second = await cluster.StartAdditionalSiloAsync();
        await Poll.For(
            () => Task.FromResult(cluster.GetActiveSilos().All(silo => cluster.GetSiloServiceProvider(silo.SiloAddress)
                .GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(second.SiloAddress) == SiloStatus.Active)),
            "every silo counts the second silo active");
        return second;
    }

    /// <summary>
    /// A new cart activated on <paramref name="silo"/>, holding one of <paramref name="sku"/>. Placement honours the
    /// hint only once the silo's grain types are known where the call lands, a moment after it counts as active, so
    /// carts placed elsewhere meanwhile are left aside.
    /// </summary>
    public static async Task<ICartGrain> CartOn(TestCluster cluster, SiloHandle silo, string sku)
    {
        var placed = await Poll.For(
            async () =>
            {
                var cart = cluster.GrainFactory.GetGrain<ICartGrain>(Unique.Key("customer"));
                RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
                try
                {
                    Assert.True((await cart.SetQuantity(sku, 1)).IsSuccess);
                }
                finally
                {
                    RequestContext.Clear();
                }

                return (Cart: cart, Silo: await cluster.GrainFactory.GetGrain<IManagementGrain>(0).GetActivationAddress(cart));
            },
            placed => silo.SiloAddress.Equals(placed.Silo),
            "a cart placed on the second silo");
        return placed.Cart;
    }
}
