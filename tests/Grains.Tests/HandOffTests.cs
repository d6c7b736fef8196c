using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>What a silo's graceful stop does with the activations it was busy with: hands them on, state and all.</summary>
public sealed class HandOffTests(HandOffCluster fixture) : IClassFixture<HandOffCluster>
{
    private IStorageFaultGrain CartFaults => fixture.Grains.GetGrain<IStorageFaultGrain>("cart");

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

    /// <summary>A product and a cart written on the first silo, so each storage's memory grain and fault grain live there.</summary>
    private async Task<string> Warm()
    {
        var sku = await fixture.Grains.NewProduct();
        await fixture.Grains.CartWith((sku, 1));
        return sku;
    }

    /// <summary>A second silo, once every silo counts it active (before that, none places a grain on it).</summary>
    private async Task<SiloHandle> SecondSilo()
    {
        var second = await fixture.Cluster.StartAdditionalSiloAsync();
        await Poll.For(
            () => Task.FromResult(fixture.Cluster.GetActiveSilos().All(silo => fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress)
                .GetRequiredService<IClusterMembershipService>().CurrentSnapshot.GetSiloStatus(second.SiloAddress) == SiloStatus.Active)),
            "every silo counts the second silo active");
        return second;
    }

    /// <summary>
    /// A new cart activated on <paramref name="silo"/>, holding one of <paramref name="sku"/>. Placement honours the
    /// hint only once the silo's grain types are known where the call lands, a moment after it counts as active, so
    /// carts placed elsewhere meanwhile are left aside.
    /// </summary>
    private async Task<ICartGrain> CartOn(SiloHandle silo, string sku)
    {
        var placed = await Poll.For(
            async () =>
            {
                var cart = fixture.Grains.GetGrain<ICartGrain>(Unique.Key("customer"));
                RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.SiloAddress);
                try
                {
                    Assert.True((await cart.SetQuantity(sku, 1)).IsSuccess);
                }
                finally
                {
                    RequestContext.Clear();
                }

                return (Cart: cart, Silo: await fixture.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(cart));
            },
            placed => silo.SiloAddress.Equals(placed.Silo),
            "a cart placed on the second silo");
        return placed.Cart;
    }
}
