using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using Orleans.Core.Internal;
using Orleans.TestingHost;
using static OrderActors.Grains.Tests.Shop;

namespace OrderActors.Grains.Tests;

/// <summary>
/// The rule for failed writes, grain by grain: a storage write that fails leaves the grain answering exactly what is
/// stored, no later write stores the lost change, and a retry of checkout or pay with the same key gives one order,
/// one payment.
/// </summary>
[Collection(StandardClusterCollection.Name)]
public sealed class StorageFaultTests(StandardCluster fixture)
{
    private IProductGrain Product(string sku) => fixture.Grains.GetGrain<IProductGrain>(sku);

    private IOrderGrain Order(string id) => fixture.Grains.GetGrain<IOrderGrain>(id);

    [Fact]
    public async Task A_cart_line_change_whose_write_failed_is_neither_shown_nor_stored_by_a_later_write()
    {
        var (a, b) = (await fixture.Grains.NewProduct(), await fixture.Grains.NewProduct());
        var cart = await fixture.Grains.CartWith((a, 1));

        await WriteFails("cart", cart, () => cart.SetQuantity(a, 2));
        Assert.True((await cart.SetQuantity(b, 1)).IsSuccess);

        Assert.Equal([(a, 1), (b, 1)], Lines((await cart.Get()).Value!));
        Assert.Equal([(a, 1), (b, 1)], Lines((await Reloaded(cart, cart.Get)).Value!));
    }

    [Fact]
    public async Task A_removal_or_clear_whose_write_failed_leaves_the_cart_as_stored()
    {
        var (a, b) = (await fixture.Grains.NewProduct(), await fixture.Grains.NewProduct());
        var cart = await fixture.Grains.CartWith((a, 1), (b, 2));

        await WriteFails("cart", cart, () => cart.RemoveLine(a));
        Assert.Equal([(a, 1), (b, 2)], Lines((await cart.Get()).Value!));

        await WriteFails("cart", cart, cart.Clear);
        Assert.Equal([(a, 1), (b, 2)], Lines((await cart.Get()).Value!));
        Assert.Equal([(a, 1), (b, 2)], Lines((await Reloaded(cart, cart.Get)).Value!));
    }

    [Fact]
    public async Task A_failure_that_is_not_an_outage_discards_the_change_too_and_reaches_the_caller_as_it_was()
    {
        var sku = await fixture.Grains.NewProduct();
        var cart = await fixture.Grains.CartWith((sku, 1));

        var thrown = await WriteFails("cart", cart, () => cart.SetQuantity(sku, 5), new InvalidOperationException("injected bug"));

        Assert.IsType<InvalidOperationException>(thrown.GetBaseException());

        Assert.Equal([(sku, 1)], Lines((await cart.Get()).Value!));
    }

    [Fact]
    public async Task A_checkout_whose_cart_write_failed_placed_its_order_and_only_that_order_answers_its_key()
    {
        var sku = await fixture.Grains.NewProduct(stock: 5);
        var cart = await fixture.Grains.CartWith((sku, 2));

        // The order was placed and stored; the cart's record of it was not, so the client saw a failure.
        await WriteFails("cart", cart, () => cart.Checkout("k1"));
        Assert.Equal([(sku, 2)], Lines((await Reloaded(cart, cart.Get)).Value!));
        Assert.Equal((5, 2, 3), Stock((await Product(sku).Get()).Value!));

        // The key reaches the same order: its retry, after the cart changed, answers that order and places nothing more;
        // the cart keeps its new content, which is not what the key placed.
        Assert.True((await cart.SetQuantity(sku, 3)).IsSuccess);
        var order = await cart.Checkout("k1");
        Assert.True(order.IsSuccess, order.Error?.Detail);
        Assert.Equal((OrderIds.ForCheckout(cart.GetPrimaryKeyString(), "k1"), 2), (order.Value!.OrderId, Assert.Single(order.Value.Lines).Quantity));
        Assert.Equal([(sku, 3)], Lines((await cart.Get()).Value!));
        Assert.Equal((5, 2, 3), Stock((await Product(sku).Get()).Value!));

        // Now recorded: the same answer again, and a new key places the new content.
        Assert.Equal(order.Value.OrderId, (await Reloaded(cart, () => cart.Checkout("k1"))).Value!.OrderId);
        Assert.True((await cart.Checkout("k2")).IsSuccess);
        Assert.Empty(Lines((await cart.Get()).Value!));
        Assert.Equal((5, 5, 0), Stock((await Product(sku).Get()).Value!));
    }

    [Fact]
    public async Task A_placement_whose_order_write_failed_leaves_no_stock_held_after_the_audit_and_its_retry_places_one_order()
    {
        var sku = await fixture.Grains.NewProduct(stock: 5);
        var cart = await fixture.Grains.CartWith((sku, 2));
        var orderId = OrderIds.ForCheckout(cart.GetPrimaryKeyString(), "k1");

        // The reservation was stored, the order was not: the product's audit asks the order, which does not exist.
        await WriteFails("order", Order(orderId), () => cart.Checkout("k1"));
        await Poll.For(async () => Stock((await Product(sku).Get()).Value!) == (5, 0, 5), "the stock at (5, 0, 5)");

        var order = await cart.Checkout("k1");
        Assert.True(order.IsSuccess, order.Error?.Detail);
        Assert.Equal(orderId, order.Value!.OrderId);
        Assert.Equal((5, 2, 3), Stock((await Product(sku).Get()).Value!));
    }

    [Fact]
    public async Task A_checkout_whose_reservation_was_not_stored_is_retried_with_the_same_key_into_one_order()
    {
        var sku = await fixture.Grains.NewProduct(stock: 5);
        var cart = await fixture.Grains.CartWith((sku, 2));

        await WriteFails("product", Product(sku), () => cart.Checkout("k1"));
        Assert.Equal((5, 0, 5), Stock((await Product(sku).Get()).Value!));

        var first = (await cart.Checkout("k1")).Value!;

        Assert.Equal(first.OrderId, (await cart.Checkout("k1")).Value!.OrderId);
        Assert.Equal(OrderStatus.PendingPayment, (await Order(first.OrderId).Get()).Value!.Status);
        Assert.Equal((5, 2, 3), Stock((await Product(sku).Get()).Value!));
        Assert.Empty((await cart.Get()).Value!.Lines);
    }

    [Fact]
    public async Task A_payment_whose_write_failed_leaves_the_order_unpaid_and_its_retry_pays_once()
    {
        var (sku, order) = await PlacedOrder(quantity: 2, price: 3m);

        await WriteFails("order", order, () => order.Pay(new Payment(6m, "pay-1")));
        Assert.Equal(OrderStatus.PendingPayment, (await order.Get()).Value!.Status);

        var paid = await order.Pay(new Payment(6m, "pay-1"));
        var again = await order.Pay(new Payment(6m, "pay-1"));

        Assert.Equal(OrderStatus.Paid, paid.Value!.Status);
        Assert.Equal(paid.Value.History, again.Value!.History);
        var product = (await Product(sku).Get()).Value!;
        Assert.Equal((3, 0, 3), Stock(product));
    }

    [Fact]
    public async Task A_payment_whose_sale_a_product_refuses_stores_nothing_and_fails_as_a_dependency_failure()
    {
        var (sku, order) = await PlacedOrder(quantity: 2, price: 3m);
        var orderId = order.GetPrimaryKeyString();
        // What a second activation of the product (seen while a silo shuts down) answers: its record says otherwise.
        var number = (await StoredProduct(Product(sku))).LastReservationNumber;
        Assert.True((await Product(sku).Settle(orderId, 2, Settlement.Release, number)).IsSuccess);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => order.Pay(new Payment(6m, "pay-1")));

        Assert.Equal(OrderStatus.PendingPayment, (await order.Get()).Value!.Status);
        Assert.Equal(OrderStatus.PendingPayment, (await Reloaded(order, order.Get)).Value!.Status);
        Assert.Equal((5, 0, 5), Stock((await Product(sku).Get()).Value!));
    }

    [Fact]
    public async Task A_payment_whose_stock_commit_failed_is_paid_once_and_its_stock_commits_once()
    {
        var (sku, order) = await PlacedOrder(quantity: 2, price: 3m);

        await WriteFails("product", Product(sku), () => order.Pay(new Payment(6m, "pay-1")));

        Assert.Equal(OrderStatus.Paid, (await order.Pay(new Payment(6m, "pay-1"))).Value!.Status);
        await Poll.For(async () => Stock((await Product(sku).Get()).Value!) == (3, 0, 3), "the stock at (3, 0, 3)");
        Assert.Equal(OrderStatus.Paid, (await Reloaded(order, order.Get)).Value!.Status);
    }

    [Fact]
    public async Task A_cancel_after_payment_whose_write_failed_requests_no_refund_and_its_retry_requests_exactly_one()
    {
        var (_, order) = await PlacedOrder(quantity: 1, price: 2m);
        Assert.True((await order.Pay(new Payment(2m, "pay", PaymentId: "pi-1"))).IsSuccess);

        await WriteFails("order", order, order.Cancel);
        Assert.Empty((await order.Get()).Value!.Refunds!);

        var cancelled = (await order.Cancel()).Value!;
        Assert.Equal((OrderStatus.Cancelled, "pi-1"), (cancelled.Status, Assert.Single(cancelled.Refunds!).PaymentId));
        Assert.Single((await Reloaded(order, order.Get)).Value!.Refunds!);
    }

    [Fact]
    public async Task A_refund_outcome_whose_write_failed_is_applied_by_the_providers_retry_of_the_same_event()
    {
        var (_, order) = await PlacedOrder(quantity: 1, price: 2m);
        await order.Cancel();
        Assert.Equal(OrderStatus.Cancelled, (await order.Pay(new Payment(2m, "evt-late", PaymentId: "pi-late"))).Error!.CurrentStatus);

        await WriteFails("order", order, () => order.SettleRefund(new RefundOutcome("evt-refunded", "pi-late", Succeeded: true)));
        Assert.Equal(OrderStatus.Cancelled, (await order.Get()).Value!.Status);

        var refunded = (await order.SettleRefund(new RefundOutcome("evt-refunded", "pi-late", Succeeded: true))).Value!;
        Assert.Equal((OrderStatus.Refunded, RefundStatus.Succeeded), (refunded.Status, refunded.Refunds![0].Status));
        Assert.Equal(OrderStatus.Refunded, (await Reloaded(order, order.Get)).Value!.Status);
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("ship")]
    public async Task An_order_transition_whose_write_failed_leaves_the_order_as_stored(string action)
    {
        var (sku, order) = await PlacedOrder(quantity: 1, price: 2m);
        var status = OrderStatus.PendingPayment;
        if (action == "ship")
        {
            Assert.True((await order.Pay(new Payment(2m, "pay"))).IsSuccess);
            status = OrderStatus.Paid;
        }

        await WriteFails("order", order, action == "ship" ? order.Ship : order.Cancel);

        Assert.Equal(status, (await order.Get()).Value!.Status);
        Assert.Equal(status, (await Reloaded(order, order.Get)).Value!.Status);
        Assert.Equal(status == OrderStatus.Paid ? (4, 0, 4) : (5, 1, 4), Stock((await Product(sku).Get()).Value!));
    }

    [Fact]
    public async Task Product_changes_whose_write_failed_leave_the_product_as_stored()
    {
        var sku = await fixture.Grains.NewProduct(stock: 5);
        var product = Product(sku);
        var stored = (await product.Get()).Value!;

        await WriteFails("product", product, () => product.Update(new UpdateProduct("Renamed", "x", 9m, "USD")));
        await WriteFails("product", product, () => product.AdjustStock(10));
        await WriteFails("product", product, product.Deactivate);
        await WriteFails("product", product, () => product.Reserve("order-x", 2));

        Assert.Equal(stored, (await product.Get()).Value);
        Assert.Equal(stored, (await Reloaded(product, product.Get)).Value);
    }

    [Fact]
    public async Task A_settlement_whose_write_failed_leaves_its_reservation_number_open_and_its_retry_settles_it_once()
    {
        var sku = await fixture.Grains.NewProduct(stock: 5);
        var product = Product(sku);
        var number = (await product.Reserve("order-s", 2)).Value!.Number;
        await product.Acknowledge("order-s", ReservationStage.Reserved);
        await Poll.For(async () => (await StoredProduct(product)).Reservations.Count == 0, "acknowledged");

        await WriteFails("product", product, () => product.Settle("order-s", 2, Settlement.Commit, number));

        Assert.True((await StoredProduct(product)).Open.IsOpen(number));
        Assert.Equal((5, 2, 3), Stock((await Reloaded(product, product.Get)).Value!));
        Assert.True((await product.Settle("order-s", 2, Settlement.Commit, number)).IsSuccess);
        Assert.True((await product.Settle("order-s", 2, Settlement.Commit, number)).IsSuccess);
        Assert.Equal((3, 0, 3), Stock((await product.Get()).Value!));
        Assert.False((await StoredProduct(product)).Open.IsOpen(number));
    }

    [Fact]
    public async Task A_settlement_that_ends_an_outdated_copys_reservation_whose_write_failed_leaves_both_as_stored()
    {
        var (product, number, stray) = await ProductWithStrayReservation("order-t");

        await WriteFails("product", product, () => product.Settle("order-t", 2, Settlement.Commit, number));

        var stored = await StoredProduct(product);
        Assert.Equal((ReservationStage.Reserved, stray), (stored.Reservations["order-t"].Stage, stored.Reservations["order-t"].Number));
        Assert.True(stored.Open.IsOpen(number) && stored.Open.IsOpen(stray));
        Assert.Equal((10, 4, 6), Stock((await Reloaded(product, product.Get)).Value!));
        Assert.True((await product.Settle("order-t", 2, Settlement.Commit, number)).IsSuccess);
        Assert.Equal((8, 0, 8), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task A_settlement_that_ends_an_outdated_copys_reservation_holds_when_the_product_is_lost_right_after_its_write()
    {
        var (product, number, stray) = await ProductWithStrayReservation("order-u");
        Assert.True((await product.Settle("order-u", 2, Settlement.Commit, number)).IsSuccess);

        // A new activation has only what was stored: the sale, its record for the order to acknowledge, both numbers closed.
        var repeated = await Reloaded(product, () => product.Settle("order-u", 2, Settlement.Commit, number));

        Assert.True(repeated.IsSuccess);
        Assert.Equal((8, 0, 8), Stock((await product.Get()).Value!));
        var stored = await StoredProduct(product);
        Assert.Equal(ReservationStage.Committed, stored.Reservations["order-u"].Stage);
        Assert.False(stored.Open.IsOpen(number) || stored.Open.IsOpen(stray));
    }

    [Fact]
    public async Task An_acknowledgement_whose_write_failed_leaves_the_record_stored_and_the_audit_forgets_it()
    {
        var (sku, order) = await PlacedOrder(quantity: 2, price: 3m);
        var product = Product(sku);

        // The order acknowledges once its deadline is stored, a moment after it answered; the write that would store
        // the forgotten record fails, and the activation goes with it.
        await fixture.Grains.GetGrain<IStorageFaultGrain>("product").AddFaultOnWrite(product.GetGrainId(), new TimeoutException("injected storage timeout"));

        await Poll.For(async () => (await StoredProduct(product)).Reservations.Count == 0, "the record forgotten by the audit");
        Assert.Equal((5, 2, 3), Stock((await product.Get()).Value!));
        Assert.Equal(OrderStatus.PendingPayment, (await order.Get()).Value!.Status);
    }

    [Fact]
    public async Task A_product_whose_first_write_failed_does_not_exist_and_can_be_created_again()
    {
        var sku = Unique.Key("sku");

        await WriteFails("product", Product(sku), () => Product(sku).Create(new CreateProduct("Thing", "", 2m, "USD", 5)));

        Assert.Equal(ErrorKind.NotFound, (await Product(sku).Get()).Error!.Kind);
        Assert.True((await Product(sku).Create(new CreateProduct("Thing", "", 2m, "USD", 5))).IsSuccess);
    }

    /// <summary>
    /// A product of 10 units with <paramref name="orderId"/>'s reservation of 2 (<c>Number</c>) acknowledged and stored
    /// without its record, and a second reservation of 2 (<c>Stray</c>) that an outdated copy of the order took after it.
    /// </summary>
    private async Task<(IProductGrain Product, long Number, long Stray)> ProductWithStrayReservation(string orderId)
    {
        var product = Product(await fixture.Grains.NewProduct(stock: 10));
        var number = (await product.Reserve(orderId, 2)).Value!.Number;
        await product.Acknowledge(orderId, ReservationStage.Reserved);
        await Poll.For(async () => (await StoredProduct(product)).Reservations.Count == 0, "acknowledged");
        return (product, number, (await product.Reserve(orderId, 2)).Value!.Number);
    }

    private Task<ProductState> StoredProduct(IProductGrain product) => Stored.Product(fixture.Cluster, product);

    /// <summary>Makes the next write of <paramref name="grain"/>'s state (named <paramref name="state"/>) fail and expects the call to fail.</summary>
    /// <remarks>An outage (the default fault) reaches the caller as <see cref="DependencyUnavailableException"/>; any other failure as itself.</remarks>
    private async Task<Exception> WriteFails(string state, IAddressable grain, Func<Task> call, Exception? fault = null)
    {
        await fixture.Grains.GetGrain<IStorageFaultGrain>(state)
            .AddFaultOnWrite(grain.GetGrainId(), fault ?? new TimeoutException("injected storage timeout"));

        var thrown = await Assert.ThrowsAnyAsync<Exception>(call);
        Assert.Equal(fault is null, thrown is DependencyUnavailableException);
        return thrown;
    }

    private static async Task<T> Reloaded<T>(IAddressable grain, Func<Task<T>> read)
    {
        await grain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        return await read();
    }

    private async Task<(string Sku, IOrderGrain Order)> PlacedOrder(int quantity, decimal price)
    {
        var sku = await fixture.Grains.NewProduct(price, stock: 5);
        var cart = await fixture.Grains.CartWith((sku, quantity));
        var order = (await cart.Checkout(Unique.Key("checkout"))).Value!;
        return (sku, Order(order.OrderId));
    }

    private static List<(string, int)> Lines(CartView cart) => cart.Lines.Select(l => (l.Sku, l.Quantity)).ToList();
}
