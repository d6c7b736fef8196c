using OrderActors.Grains.Abstractions;
using static OrderActors.Grains.Tests.Shop;

namespace OrderActors.Grains.Tests;

[Collection(StandardClusterCollection.Name)]
public sealed class CheckoutTests(StandardCluster fixture)
{
    private IProductGrain Product(string sku) => fixture.Grains.GetGrain<IProductGrain>(sku);

    [Fact]
    public async Task Checkout_reserves_every_line_snapshots_prices_and_empties_the_cart()
    {
        var a = await fixture.Grains.NewProduct(price: 4.00m, stock: 10);
        var b = await fixture.Grains.NewProduct(price: 0.99m, stock: 10);
        var cart = await fixture.Grains.CartWith((a, 2), (b, 3));

        var order = (await cart.Checkout(Unique.Key("checkout"))).Value!;
        await Product(a).Update(new UpdateProduct("Thing", "", 100m, "USD"));

        Assert.Equal(OrderStatus.PendingPayment, order.Status);
        Assert.Equal(10.97m, order.Total);
        Assert.Equal(cart.GetPrimaryKeyString(), order.CustomerId);
        Assert.Equal(10.97m, (await fixture.Grains.GetGrain<IOrderGrain>(order.OrderId).Get()).Value!.Total);
        Assert.Empty((await cart.Get()).Value!.Lines);
        Assert.Equal((10, 2, 8), Stock((await Product(a).Get()).Value!));
        Assert.Equal((10, 3, 7), Stock((await Product(b).Get()).Value!));
    }

    [Fact]
    public async Task Checkout_short_on_one_line_releases_every_reservation_and_names_the_shortage()
    {
        var plenty = await fixture.Grains.NewProduct(price: 1m, stock: 10);
        var scarce = await fixture.Grains.NewProduct(price: 1m, stock: 1);
        var cart = await fixture.Grains.CartWith((plenty, 5), (scarce, 2));

        var result = await cart.Checkout(Unique.Key("checkout"));

        var shortage = Assert.Single(result.Error!.Shortages);
        Assert.Equal((scarce, 2, 1), (shortage.Sku, shortage.Requested, shortage.Available));
        Assert.Equal((10, 0, 10), Stock((await Product(plenty).Get()).Value!));
        Assert.Equal((1, 0, 1), Stock((await Product(scarce).Get()).Value!));
        Assert.Equal(2, (await cart.Get()).Value!.Lines.Count);
    }

    [Fact]
    public async Task Checkout_of_an_empty_cart_is_invalid()
    {
        var result = await fixture.Grains.GetGrain<ICartGrain>(Unique.Key("customer")).Checkout(Unique.Key("checkout"));

        Assert.Equal(ErrorKind.Invalid, result.Error?.Kind);
    }

    [Fact]
    public async Task Paying_the_exact_total_commits_the_stock()
    {
        var sku = await fixture.Grains.NewProduct(price: 2.50m, stock: 10);
        var order = await Checkout((sku, 4));

        var wrong = await order.Pay(new Payment(9.99m, Unique.Key("payment")));
        var paid = await order.Pay(new Payment(10.00m, Unique.Key("payment")));

        Assert.Equal(ErrorKind.Unprocessable, wrong.Error?.Kind);
        Assert.Equal(OrderStatus.Paid, paid.Value!.Status);
        Assert.Equal((6, 0, 6), Stock((await Product(sku).Get()).Value!));
    }

    [Fact]
    public async Task An_order_goes_through_its_lifecycle_and_keeps_a_timestamped_history()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 10);
        var order = await Checkout((sku, 1));

        await order.Pay(new Payment(1m, Unique.Key("payment")));
        await order.Ship();
        var delivered = (await order.Deliver()).Value!;

        Assert.Equal(
            [OrderStatus.PendingPayment, OrderStatus.Paid, OrderStatus.Shipped, OrderStatus.Delivered],
            delivered.History.Select(h => h.Status));
        Assert.True(delivered.History.Zip(delivered.History.Skip(1)).All(p => p.First.At <= p.Second.At));
    }

    [Fact]
    public async Task Refused_transitions_name_the_current_status()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 10);
        var order = await Checkout((sku, 1));

        var ship = await order.Ship();
        var deliver = await order.Deliver();
        await order.Pay(new Payment(1m, Unique.Key("payment")));
        var payAgain = await order.Pay(new Payment(1m, Unique.Key("payment")));

        Assert.Equal((ErrorKind.Conflict, OrderStatus.PendingPayment), (ship.Error!.Kind, ship.Error.CurrentStatus));
        Assert.Equal(OrderStatus.PendingPayment, deliver.Error!.CurrentStatus);
        Assert.Equal(OrderStatus.Paid, payAgain.Error!.CurrentStatus);
    }

    [Fact]
    public async Task Cancelling_before_payment_releases_the_reservations()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 10);
        var order = await Checkout((sku, 3));

        var cancelled = (await order.Cancel()).Value!;

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal((10, 0, 10), Stock((await Product(sku).Get()).Value!));
        Assert.Equal(OrderStatus.Cancelled, (await order.Cancel()).Error!.CurrentStatus);
    }

    [Fact]
    public async Task Cancelling_after_payment_returns_the_stock()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 10);
        var order = await Checkout((sku, 3));
        await order.Pay(new Payment(3m, Unique.Key("payment")));

        await order.Cancel();

        Assert.Equal((10, 0, 10), Stock((await Product(sku).Get()).Value!));
    }

    [Fact]
    public async Task A_shipped_order_cannot_be_cancelled()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 10);
        var order = await Checkout((sku, 1));
        await order.Pay(new Payment(1m, Unique.Key("payment")));
        await order.Ship();

        var result = await order.Cancel();

        Assert.Equal(OrderStatus.Shipped, result.Error!.CurrentStatus);
    }

    [Fact]
    public async Task Concurrent_checkouts_for_the_last_units_sell_exactly_the_stock()
    {
        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 7);
        var carts = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => fixture.Grains.CartWith((sku, 1))));

        var results = await Task.WhenAll(carts.Select(c => c.Checkout(Unique.Key("checkout"))));

        Assert.Equal(7, results.Count(r => r.IsSuccess));
        Assert.All(results.Where(r => !r.IsSuccess), r => Assert.Equal(ErrorKind.Conflict, r.Error!.Kind));
        Assert.Equal((7, 7, 0), Stock((await Product(sku).Get()).Value!));
    }

    private async Task<IOrderGrain> Checkout(params (string Sku, int Quantity)[] lines)
    {
        var order = (await (await fixture.Grains.CartWith(lines)).Checkout(Unique.Key("checkout"))).Value!;
        return fixture.Grains.GetGrain<IOrderGrain>(order.OrderId);
    }
}
