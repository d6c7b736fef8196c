using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Deadlines;
using OrderActors.Grains.Orders;
using Orleans.TestingHost;
using static OrderActors.Grains.Tests.Shop;

namespace OrderActors.Grains.Tests;

public sealed class PaymentWindowTests(ShortPaymentWindowCluster fixture) : IClassFixture<ShortPaymentWindowCluster>
{
    [Fact]
    public async Task An_unpaid_order_is_cancelled_by_its_deadline_shard_and_its_stock_released()
    {
        var (product, order) = await PlaceOrderOfThree();

        var cancelled = await Poll.Until(async () => (await order.Get()).Value!, o => o.Status == OrderStatus.Cancelled, Poll.Patience);

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
    public async Task A_sale_whose_payment_was_not_stored_is_undone_when_the_order_expires()
    {
        var (product, order) = await PlaceOrderOfThree();
        await fixture.Grains.GetGrain<IStorageFaultGrain>("order").AddFaultOnWrite(order.GetGrainId(), new TimeoutException("injected storage timeout"));

        // The order sells first, then stores its payment: the sale stands, unacknowledged, while the order awaits payment.
        await Assert.ThrowsAnyAsync<Exception>(() => order.Pay(new Payment(3m, Unique.Key("payment"))));
        Assert.Equal((7, 0, 7), Stock((await product.Get()).Value!));
        Assert.Equal(OrderStatus.PendingPayment, (await order.Get()).Value!.Status);

        var cancelled = await Poll.Until(async () => (await order.Get()).Value!, o => o.Status == OrderStatus.Cancelled, Poll.Patience);

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal((10, 0, 10), Stock(await Poll.Until(async () => (await product.Get()).Value!, p => p.OnHand == 10, Poll.Patience)));
    }

    [Fact]
    public async Task An_order_whose_deadline_write_failed_is_tracked_again_through_its_products_audit_and_expires()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m);
        var product = fixture.Grains.GetGrain<IProductGrain>(sku);
        var cart = await fixture.Grains.CartWith((sku, 3));
        var key = Unique.Key("checkout");
        var orderId = OrderIds.ForCheckout(cart.GetPrimaryKeyString(), key);
        var shard = fixture.Grains.GetGrain<IDeadlineGrain>(DeadlineGrain.KeyFor(orderId, new OrderOptions().DeadlineShards));
        await fixture.Grains.GetGrain<IStorageFaultGrain>("deadlines").AddFaultOnWrite(shard.GetGrainId(), new TimeoutException("injected storage timeout"));

        // The client does not wait for the deadline; the reservation stays unacknowledged, so the product's audit asks.
        var order = await cart.Checkout(key);
        Assert.True(order.IsSuccess, order.Error?.Detail);
        Assert.Equal(7, (await product.Get()).Value!.Available);

        var cancelled = await Poll.Until(async () => (await fixture.Grains.GetGrain<IOrderGrain>(orderId).Get()).Value!, o => o.Status == OrderStatus.Cancelled, Poll.Patience);
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal(10, (await Poll.Until(async () => (await product.Get()).Value!, p => p.Available == 10, Poll.Patience)).Available);
    }

    [Fact]
    public async Task An_idle_cart_is_deleted_by_its_reminder()
    {
        var cart = await fixture.Grains.CartWith((await fixture.Grains.NewProduct(price: 1m), 3));

        var view = await Poll.Until(async () => (await cart.Get()).Value!, c => c.Lines.Count == 0, Poll.Patience);

        Assert.Empty(view.Lines);
    }

    private async Task<(IProductGrain, IOrderGrain)> PlaceOrderOfThree()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m);
        var product = fixture.Grains.GetGrain<IProductGrain>(sku);
        var cart = await fixture.Grains.CartWith((sku, 3));
        var order = (await cart.Checkout(Unique.Key("checkout"))).Value!;
        Assert.Equal(7, (await product.Get()).Value!.Available);
        return (product, fixture.Grains.GetGrain<IOrderGrain>(order.OrderId));
    }
}
