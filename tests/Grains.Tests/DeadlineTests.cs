using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Deadlines;
using OrderActors.Grains.Orders;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

[Collection(StandardClusterCollection.Name)]
public sealed class DeadlineTests(StandardCluster fixture)
{
    [Fact]
    public async Task An_order_awaiting_payment_is_tracked_by_its_shard_and_registers_no_reminder_of_its_own()
    {
        var cart = await fixture.Grains.CartWith((await fixture.Grains.NewProduct(), 1));

        var order = (await cart.Checkout(Unique.Key("checkout"))).Value!;

        var shard = fixture.Grains.GetGrain<IDeadlineGrain>(DeadlineGrain.KeyFor(order.OrderId, new OrderOptions().DeadlineShards));
        Assert.Empty(await Reminders(fixture.Grains.GetGrain<IOrderGrain>(order.OrderId)));
        Assert.Equal([DeadlineGrain.ReminderName], await Reminders(shard));
    }

    [Fact]
    public void Every_silo_picks_the_same_shard_for_an_order_and_uses_every_shard()
    {
        var ids = Enumerable.Range(0, 400).Select(i => OrderIds.ForCheckout("customer", $"key-{i}")).ToList();

        Assert.Equal("orders-2", DeadlineGrain.KeyFor("0123456789abcdef0123456789abcdef", 4));
        Assert.Equal(4, ids.Select(id => DeadlineGrain.KeyFor(id, 4)).Distinct().Count());
        Assert.Equal("orders-0", DeadlineGrain.KeyFor(ids[0], 1));
    }

    private async Task<List<string>> Reminders(IAddressable grain)
    {
        var silo = (InProcessSiloHandle)fixture.Cluster.Primary!;
        var table = silo.SiloHost.Services.GetRequiredService<IReminderTable>();
        return (await table.ReadRows(grain.GetGrainId())).Reminders.Select(r => r.ReminderName).ToList();
    }
}
