using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Tests;

public sealed class PaymentWindowTests(ShortPaymentWindowCluster fixture) : IClassFixture<ShortPaymentWindowCluster>
{
    [Fact]
    public async Task An_unpaid_order_is_cancelled_by_its_reminder_and_its_stock_released()
    {
        var (product, order) = await PlaceOrderOfThree();

        var cancelled = await Eventually(async () => (await order.Get()).Value!, o => o.Status == OrderStatus.Cancelled);

        Assert.Equal("payment window expired", cancelled.History[^1].Reason);
        Assert.Equal(10, (await product.Get()).Value!.Available);
    }

    [Fact]
    public async Task Paying_after_the_window_is_refused()
    {
        var (product, order) = await PlaceOrderOfThree();
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var result = await order.Pay(new Payment(3m, Unique.Key("payment")));

        Assert.Equal(OrderStatus.Cancelled, result.Error!.CurrentStatus);
        Assert.Equal(10, (await product.Get()).Value!.Available);
    }

    [Fact]
    public async Task An_idle_cart_is_deleted_by_its_reminder()
    {
        var sku = Unique.Key("sku");
        await fixture.Grains.GetGrain<IProductGrain>(sku).Create(new CreateProduct("Thing", "", 1m, "USD", 10));
        var cart = fixture.Grains.GetGrain<ICartGrain>(Unique.Key("customer"));
        await cart.SetQuantity(sku, 3);

        var view = await Eventually(async () => (await cart.Get()).Value!, c => c.Lines.Count == 0);

        Assert.Empty(view.Lines);
    }

    private async Task<(IProductGrain, IOrderGrain)> PlaceOrderOfThree()
    {
        var sku = Unique.Key("sku");
        var product = fixture.Grains.GetGrain<IProductGrain>(sku);
        await product.Create(new CreateProduct("Thing", "", 1m, "USD", 10));
        var cart = fixture.Grains.GetGrain<ICartGrain>(Unique.Key("customer"));
        await cart.SetQuantity(sku, 3);
        var order = (await cart.Checkout(Unique.Key("checkout"))).Value!;
        Assert.Equal(7, (await product.Get()).Value!.Available);
        return (product, fixture.Grains.GetGrain<IOrderGrain>(order.OrderId));
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }
}
