using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Deadlines;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Tests;

[Collection(StandardClusterCollection.Name)]
public sealed class IdempotencyTests(StandardCluster fixture)
{
    private IProductGrain Product(string sku) => fixture.Grains.GetGrain<IProductGrain>(sku);

    private async Task<(string Sku, ICartGrain Cart)> CartWithOneLine(int stock = 10, int quantity = 2)
    {
        var sku = await fixture.Grains.NewProduct(stock: stock);
        return (sku, await fixture.Grains.CartWith((sku, quantity)));
    }

    [Fact]
    public async Task Checkout_with_same_idempotency_key_returns_the_same_order()
    {
        var (sku, cart) = await CartWithOneLine();

        var first = (await cart.Checkout("key-1")).Value!;
        var again = (await cart.Checkout("key-1")).Value!;

        Assert.Equal(first.OrderId, again.OrderId);
        Assert.Equal(first.History, again.History);
        Assert.Equal(first with { Lines = [], History = [], Refunds = [] }, again with { Lines = [], History = [], Refunds = [] });
        Assert.Equal(2, (await Product(sku).Get()).Value!.Reserved);
    }

    [Fact]
    public async Task A_storm_of_concurrent_checkouts_with_one_key_creates_exactly_one_order()
    {
        var (sku, cart) = await CartWithOneLine();

        var results = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => cart.Checkout("storm")));

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Single(results.Select(r => r.Value!.OrderId).Distinct());
        Assert.Equal(2, (await Product(sku).Get()).Value!.Reserved);
    }

    [Fact]
    public async Task A_repeat_after_the_cart_changed_answers_the_order_its_key_placed_and_keeps_the_new_content()
    {
        // The client's first answer was lost (a timeout) while the customer went on shopping; it retries the same request.
        var (sku, cart) = await CartWithOneLine();
        var first = (await cart.Checkout("retried")).Value!;
        await cart.SetQuantity(sku, 1);

        var again = await cart.Checkout("retried");

        Assert.True(again.IsSuccess, again.Error?.Detail);
        Assert.Equal((first.OrderId, 2), (again.Value!.OrderId, Assert.Single(again.Value.Lines).Quantity));
        Assert.Equal(1, Assert.Single((await cart.Get()).Value!.Lines).Quantity);
        Assert.Equal(2, (await Product(sku).Get()).Value!.Reserved);
    }

    [Fact]
    public async Task A_key_repeated_with_other_shipping_details_is_unprocessable_and_an_empty_body_repeats_none()
    {
        var (sku, cart) = await CartWithOneLine();
        await cart.Checkout("shipped", new ShippingDetails(null, new Contact("a@example.com", null)));
        await cart.SetQuantity(sku, 2);
        var bare = (await cart.Checkout("bare")).Value!;
        await cart.SetQuantity(sku, 1);

        var other = await cart.Checkout("shipped", new ShippingDetails(null, new Contact("b@example.com", null)));
        var none = await cart.Checkout("shipped");
        var empty = await cart.Checkout("bare", new ShippingDetails(null, null));

        Assert.Equal(ErrorKind.Unprocessable, other.Error?.Kind);
        Assert.Equal(ErrorKind.Unprocessable, none.Error?.Kind);
        Assert.True(empty.IsSuccess, empty.Error?.Detail);
        Assert.Equal(bare.OrderId, empty.Value!.OrderId);
        Assert.Equal(1, Assert.Single((await cart.Get()).Value!.Lines).Quantity);
    }

    [Fact]
    public async Task A_refused_checkout_repeated_with_its_key_gives_the_same_refusal()
    {
        var (sku, cart) = await CartWithOneLine(stock: 1, quantity: 2);

        var first = await cart.Checkout("short");
        await Product(sku).AdjustStock(5);
        var again = await cart.Checkout("short");
        var fresh = await cart.Checkout("new-key");

        Assert.Equal(first.Error!.Shortages.ToArray(), again.Error!.Shortages.ToArray());
        Assert.True(fresh.IsSuccess);
    }

    [Fact]
    public async Task A_missing_key_is_invalid()
    {
        var (_, cart) = await CartWithOneLine();

        var result = await cart.Checkout("");

        Assert.Contains(IdempotencyKeys.Header, result.Error!.FieldErrors.Keys);
    }

    [Fact]
    public async Task Payment_with_same_key_returns_the_same_result_and_pays_once()
    {
        var (sku, cart) = await CartWithOneLine();
        var placed = (await cart.Checkout("checkout")).Value!;
        var order = fixture.Grains.GetGrain<IOrderGrain>(placed.OrderId);

        var paid = (await order.Pay(new Payment(4m, "pay-1"))).Value!;
        await order.Ship();
        var repeat = (await order.Pay(new Payment(4m, "pay-1"))).Value!;
        var otherAmount = await order.Pay(new Payment(5m, "pay-1"));
        var otherKey = await order.Pay(new Payment(4m, "pay-2"));

        Assert.Equal((OrderStatus.Paid, paid.History.Count), (repeat.Status, repeat.History.Count));
        Assert.Equal(ErrorKind.Unprocessable, otherAmount.Error?.Kind);
        Assert.Equal(OrderStatus.Shipped, otherKey.Error!.CurrentStatus);
        Assert.Equal((8, 0), ((await Product(sku).Get()).Value!.OnHand, (await Product(sku).Get()).Value!.Reserved));
    }

    [Fact]
    public async Task A_reservation_whose_order_never_came_to_exist_is_released_by_the_product()
    {
        var sku = await fixture.Grains.NewProduct();

        await Product(sku).Reserve(Unique.Key("ghost-order"), 4);

        var product = await Poll.Until(async () => (await Product(sku).Get()).Value!, p => p.Reserved == 0, TimeSpan.FromSeconds(20));
        Assert.Equal(10, product.Available);
    }

    [Fact]
    public async Task A_sale_repeated_by_an_outdated_copy_of_a_paid_order_after_its_acknowledgement_is_refused_and_counts_once()
    {
        var (sku, cart) = await CartWithOneLine();
        var order = fixture.Grains.GetGrain<IOrderGrain>((await cart.Checkout("paid-once")).Value!.OrderId);
        var other = await fixture.Grains.CartWith((sku, 3));
        var otherOrder = fixture.Grains.GetGrain<IOrderGrain>((await other.Checkout("paid-later")).Value!.OrderId);
        await order.Pay(new Payment(4m, "pay-1"));
        await Poll.For(async () => (await Stored.Product(fixture.Cluster, Product(sku))).Reservations.Count == 0, "every step acknowledged");

        // What a copy of the order that loaded it before the payment sends once its silo is reachable again.
        var number = (await Stored.Read<OrderState>(fixture.Cluster, "order", order))!.Lines.Single().ReservationNumber;
        var repeated = await Product(sku).Settle(order.GetPrimaryKeyString(), 2, Settlement.Commit, number);

        Assert.Equal(ErrorKind.Conflict, repeated.Error?.Kind);
        Assert.Equal((8, 3), ((await Product(sku).Get()).Value!.OnHand, (await Product(sku).Get()).Value!.Reserved));
        Assert.Equal(OrderStatus.Paid, (await otherOrder.Pay(new Payment(6m, "pay-2"))).Value!.Status);
        Assert.Equal((5, 0), ((await Product(sku).Get()).Value!.OnHand, (await Product(sku).Get()).Value!.Reserved));
    }

    [Fact]
    public async Task A_reservation_an_outdated_copy_of_a_placed_order_takes_again_is_released_by_the_product()
    {
        var (sku, cart) = await CartWithOneLine();
        var order = fixture.Grains.GetGrain<IOrderGrain>((await cart.Checkout("placed-once")).Value!.OrderId);
        await Poll.For(async () => (await Stored.Product(fixture.Cluster, Product(sku))).Reservations.Count == 0, "acknowledged");

        // A copy that loaded the order before its placement was stored places it again: a second reservation.
        await Product(sku).Reserve(order.GetPrimaryKeyString(), 2);
        Assert.Equal(4, (await Product(sku).Get()).Value!.Reserved);

        // The audit asks the order, which holds another number: released.
        await Poll.Until(async () => (await Product(sku).Get()).Value!, p => p.Reserved == 2, TimeSpan.FromSeconds(20));
        Assert.Equal(OrderStatus.Paid, (await order.Pay(new Payment(4m, "pay-1"))).Value!.Status);
        Assert.Equal((8, 0), ((await Product(sku).Get()).Value!.OnHand, (await Product(sku).Get()).Value!.Reserved));
    }

    [Fact]
    public async Task A_placed_order_acknowledges_its_reservation_once_its_deadline_is_stored_so_a_stray_release_cannot_end_it()
    {
        var (sku, cart) = await CartWithOneLine();
        var placed = (await cart.Checkout("acknowledged")).Value!;

        await Poll.For(async () => (await Stored.Product(fixture.Cluster, Product(sku))).Reservations.Count == 0, "acknowledged");
        var shard = fixture.Grains.GetGrain<IDeadlineGrain>(DeadlineGrain.KeyFor(placed.OrderId, new OrderOptions().DeadlineShards));
        Assert.Equal(placed.PaymentDueAt, (await Stored.Read<DeadlineState>(fixture.Cluster, "deadlines", shard))!.Due[placed.OrderId]);
        await Product(sku).Release(placed.OrderId);

        Assert.Equal(2, (await Product(sku).Get()).Value!.Reserved);
    }

    [Fact]
    public async Task The_product_audit_keeps_reservations_of_orders_awaiting_payment()
    {
        var (sku, cart) = await CartWithOneLine();
        await cart.Checkout("kept");

        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(2, (await Product(sku).Get()).Value!.Reserved);
    }
}
