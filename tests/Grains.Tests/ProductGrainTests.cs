using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Products;
using Orleans.Core.Internal;
using Orleans.TestingHost;
using static OrderActors.Grains.Tests.Shop;

namespace OrderActors.Grains.Tests;

[Collection(StandardClusterCollection.Name)]
public sealed class ProductGrainTests(StandardCluster fixture)
{
    private IProductGrain NewProduct() => fixture.Grains.GetGrain<IProductGrain>(Unique.Key("sku"));

    private static CreateProduct Widget(int stock = 10) => new("Widget", "A widget", 9.99m, "USD", stock);

    [Fact]
    public async Task Create_then_get_returns_the_product_with_its_stock()
    {
        var product = NewProduct();
        var created = await product.Create(Widget(stock: 7));

        Assert.True(created.IsSuccess);
        var view = (await product.Get()).Value!;
        Assert.Equal(product.GetPrimaryKeyString(), view.Sku);
        Assert.Equal((9.99m, "USD", 7, 0, 7, true), (view.Price, view.Currency, view.OnHand, view.Reserved, view.Available, view.Active));
        Assert.Equal(1, view.Version);
    }

    [Fact]
    public async Task Create_twice_is_a_conflict_and_keeps_the_first()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 3));

        var second = await product.Create(Widget(stock: 99));

        Assert.Equal(ErrorKind.Conflict, second.Error?.Kind);
        Assert.Equal(3, (await product.Get()).Value!.OnHand);
    }

    [Fact]
    public async Task Get_of_an_unknown_product_is_not_found()
    {
        var result = await NewProduct().Get();

        Assert.Equal(ErrorKind.NotFound, result.Error?.Kind);
    }

    [Fact]
    public async Task Create_refuses_invalid_fields_and_names_each_one()
    {
        var result = await NewProduct().Create(new CreateProduct("", "d", 9.999m, "XYZ", -1));

        Assert.Equal(ErrorKind.Invalid, result.Error?.Kind);
        Assert.Equal(["currency", "name", "price", "stock"], result.Error!.FieldErrors.Keys.Order());
    }

    [Fact]
    public async Task Invalid_sku_is_refused()
    {
        var result = await fixture.Grains.GetGrain<IProductGrain>("no spaces allowed").Create(Widget());

        Assert.Contains("sku", result.Error!.FieldErrors.Keys);
    }

    [Fact]
    public async Task Update_changes_details_and_price_but_not_stock()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 4));

        var updated = await product.Update(new UpdateProduct("Gadget", "Better", 12.50m, "EUR"));

        Assert.Equal(("Gadget", 12.50m, "EUR", 4, 2), (updated.Value!.Name, updated.Value.Price, updated.Value.Currency, updated.Value.OnHand, updated.Value.Version));
    }

    [Fact]
    public async Task An_update_against_a_stale_version_is_refused_and_changes_nothing()
    {
        var product = NewProduct();
        await product.Create(Widget());
        await product.AdjustStock(1);

        var stale = await product.Update(new UpdateProduct("Gadget", "", 1m, "USD", AcceptedVersions: [1]));
        var current = await product.Update(new UpdateProduct("Gadget", "", 1m, "USD", AcceptedVersions: [2]));

        Assert.Equal(ErrorKind.PreconditionFailed, stale.Error?.Kind);
        Assert.Equal(("Gadget", 3), (current.Value!.Name, current.Value.Version));
    }

    [Fact]
    public async Task Stock_cannot_be_adjusted_below_what_is_reserved()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 10));
        await product.Reserve("order-1", 6);

        var refused = await product.AdjustStock(-5);
        var allowed = await product.AdjustStock(-4);

        Assert.Equal(ErrorKind.Conflict, refused.Error?.Kind);
        Assert.Equal((6, 6, 0), (allowed.Value!.OnHand, allowed.Value.Reserved, allowed.Value.Available));
    }

    [Fact]
    public async Task Reserve_is_all_or_nothing_and_the_same_id_twice_changes_nothing()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));

        var first = await product.Reserve("order-1", 3);
        var repeat = await product.Reserve("order-1", 3);
        var tooMany = await product.Reserve("order-2", 3);

        Assert.Equal(first.Value, repeat.Value);
        var shortage = Assert.Single(tooMany.Error!.Shortages);
        Assert.Equal((3, 2), (shortage.Requested, shortage.Available));
        Assert.Equal((5, 3, 2), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task Release_gives_back_only_a_reservation_its_order_has_not_acknowledged()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));
        await product.Reserve("order-1", 2);
        await product.Reserve("order-2", 1);
        await Acknowledged(product, "order-2", ReservationStage.Reserved);

        await product.Release("order-1");
        await product.Release("order-1");
        await product.Release("order-2");

        Assert.Equal((5, 1, 4), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task Settle_commit_sells_the_units_once_whether_or_not_the_reservation_was_acknowledged()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 10));
        var first = await Reserved(product, "order-1", 2);
        var second = await Reserved(product, "order-2", 3);
        await Acknowledged(product, "order-2", ReservationStage.Reserved);

        foreach (var _ in Enumerable.Range(0, 2))
        {
            Assert.True((await product.Settle("order-1", 2, Settlement.Commit, first)).IsSuccess);
            Assert.True((await product.Settle("order-2", 3, Settlement.Commit, second)).IsSuccess);
        }

        Assert.Equal((5, 0, 5), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task An_acknowledgement_that_arrives_after_the_next_stock_call_keeps_that_calls_record()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 10));
        var number = await Reserved(product, "order-1", 2);
        await product.Reserve("order-2", 1);
        await product.Settle("order-1", 2, Settlement.Commit, number);

        // Acknowledgements are one-way: the reservation's can arrive after the settlement.
        await product.Acknowledge("order-1", ReservationStage.Reserved);
        // One-way calls are not ordered; a later one, seen applied, is as near to a barrier as a test can get.
        await Acknowledged(product, "order-2", ReservationStage.Reserved);

        Assert.Equal(ReservationStage.Committed, (await Stored(product)).Reservations["order-1"].Stage);
        // The settlement's record is still there, so its repetition (an order retrying after a crash) counts once.
        Assert.True((await product.Settle("order-1", 2, Settlement.Commit, number)).IsSuccess);
        Assert.Equal((8, 1, 7), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task Stock_that_moves_faster_than_the_interval_is_announced_less_often_and_its_last_change_always()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 100));
        var clock = Stopwatch.StartNew();
        foreach (var i in Enumerable.Range(0, 10))
        {
            await product.Reserve($"order-{i}", 1);
        }

        var stored = await Stored(product);
        // product.created, then two stock events in a row at most and one more per interval begun: far fewer than the
        // ten writes, however slow the machine made them.
        var intervals = (int)(clock.Elapsed / TestClusterSettings.StockChangeInterval) + 1;
        Assert.InRange(stored.Outbox.LastSequence, 1, 1 + 2 + intervals);
        await Poll.For(async () => await Stored(product) is { } now && now.AnnouncedVersion == now.Version, "the last stock change announced");
    }

    [Fact]
    public async Task A_product_at_rest_announces_a_reservation_and_its_sale_each_in_its_own_write()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 10));
        // At rest: no announcement for more than an interval (the creation's counts as one).
        await Task.Delay(TestClusterSettings.StockChangeInterval * 1.5);
        var number = await Reserved(product, "order-1", 2);

        Assert.True((await product.Settle("order-1", 2, Settlement.Commit, number)).IsSuccess);

        // Both within one interval, and yet no timer's write was needed to announce the sale.
        var stored = await Stored(product);
        Assert.Equal(stored.Version, stored.AnnouncedVersion);
        Assert.Equal((8, 0, 2), (stored.OnHand, stored.Reserved, stored.Sold));
    }

    /// <summary>
    /// A product with two reservations, both acknowledged: the first announced in its own write (two in a row are
    /// allowed), the second stored and left to the timer, so the stored version is ahead of the announced one.
    /// </summary>
    private async Task<IProductGrain> WithUnannouncedStockChanges()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 100));
        await product.Reserve("order-1", 1);
        await product.Reserve("order-2", 1);
        await Acknowledged(product, "order-1", ReservationStage.Reserved);
        await Acknowledged(product, "order-2", ReservationStage.Reserved);
        var stored = await Stored(product);
        Assert.NotEqual(stored.Version, stored.AnnouncedVersion);
        return product;
    }

    [Fact]
    public async Task Stock_changes_stored_but_not_yet_announced_are_announced_by_the_next_activation()
    {
        // Acknowledged, so no audit will come to write: only the activation can announce them.
        var product = await WithUnannouncedStockChanges();

        // Gone before its timer announced them, as when its silo dies.
        await product.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await product.Get();

        await Poll.For(async () => await Stored(product) is { } now && now.AnnouncedVersion == now.Version, "the last stock change announced");
    }

    [Fact]
    public async Task Stock_changes_whose_announcing_write_failed_are_announced_by_the_next_activation()
    {
        var product = await WithUnannouncedStockChanges();

        // The timer's announcing write fails: the activation goes with its in-memory announcement, and the audit
        // reminder (the stock call registered it) brings a new activation that announces what is stored.
        await fixture.Grains.GetGrain<IStorageFaultGrain>("product")
            .AddFaultOnWrite(product.GetGrainId(), new TimeoutException("injected storage timeout"));

        await Poll.For(async () => await Stored(product) is { } now && now.AnnouncedVersion == now.Version, "announced after the failed write");
    }

    [Fact]
    public async Task Settle_release_gives_an_acknowledged_reservation_back_once()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));
        var number = await Reserved(product, "order-1", 4);
        await Acknowledged(product, "order-1", ReservationStage.Reserved);

        await product.Settle("order-1", 4, Settlement.Release, number);
        await product.Settle("order-1", 4, Settlement.Release, number);

        Assert.Equal((5, 0, 5), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task Settle_refuses_what_contradicts_the_record_or_the_stock_and_changes_nothing()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));
        var number = await Reserved(product, "order-1", 2);
        await product.Settle("order-1", 2, Settlement.Release, number);

        var otherOutcome = await product.Settle("order-1", 2, Settlement.Commit, number);
        var moreThanReserved = await product.Settle("order-2", 1, Settlement.Commit, 0);

        Assert.Equal((ErrorKind.Conflict, ErrorKind.Conflict), (otherOutcome.Error?.Kind, moreThanReserved.Error?.Kind));
        Assert.Equal((5, 0, 5), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task Releasing_a_sale_its_order_has_not_acknowledged_undoes_the_sale_once()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));
        var number = await Reserved(product, "order-1", 2);
        await Acknowledged(product, "order-1", ReservationStage.Reserved);
        await product.Settle("order-1", 2, Settlement.Commit, number);
        Assert.Equal((3, 0, 3), Stock((await product.Get()).Value!));

        // The order sold before storing its payment, then expired: the sale goes back to availability.
        Assert.True((await product.Settle("order-1", 2, Settlement.Release, number)).IsSuccess);
        Assert.True((await product.Settle("order-1", 2, Settlement.Release, number)).IsSuccess);

        Assert.Equal((5, 0, 5), Stock((await product.Get()).Value!));
    }

    [Theory]
    [InlineData(Settlement.Commit, Settlement.Commit)]
    [InlineData(Settlement.Release, Settlement.Commit)]
    [InlineData(Settlement.Commit, Settlement.Release)]
    [InlineData(Settlement.Release, Settlement.Release)]
    public async Task A_settlement_repeated_after_its_acknowledgement_counts_once_and_a_sale_of_it_is_refused(Settlement settlement, Settlement repeat)
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 10));
        var first = await Reserved(product, "order-1", 2);
        var second = await Reserved(product, "order-2", 2);
        await Acknowledged(product, "order-1", ReservationStage.Reserved);
        await Acknowledged(product, "order-2", ReservationStage.Reserved);
        await product.Settle("order-1", 2, settlement, first);
        await Acknowledged(product, "order-1", settlement == Settlement.Commit ? ReservationStage.Committed : ReservationStage.Released);
        var settled = Stock((await product.Get()).Value!);

        // Another copy of order-1 (its silo cut off, then back) repeats the call, or the other one, with the number it
        // loaded: a release finds nothing to give back, a sale nothing to sell.
        var repeated = await product.Settle("order-1", 2, repeat, first);

        Assert.Equal(repeat == Settlement.Commit ? ErrorKind.Conflict : (ErrorKind?)null, repeated.Error?.Kind);
        Assert.Equal(settled, Stock((await product.Get()).Value!));
        Assert.True((await product.Settle("order-2", 2, Settlement.Commit, second)).IsSuccess);
    }

    [Fact]
    public async Task A_second_reservation_an_outdated_copy_of_the_order_took_goes_when_the_order_settles_its_own()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 10));
        var number = await Reserved(product, "order-1", 2);
        await Acknowledged(product, "order-1", ReservationStage.Reserved);
        var again = await Reserved(product, "order-1", 2);

        Assert.True((await product.Settle("order-1", 2, Settlement.Commit, number)).IsSuccess);

        Assert.NotEqual(number, again);
        Assert.Equal((8, 0, 8), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task Return_puts_sold_units_back_once()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));
        var number = await Reserved(product, "order-1", 2);
        await product.Settle("order-1", 2, Settlement.Commit, number);

        await product.ReturnStock("order-1", 2);
        await product.ReturnStock("order-1", 2);

        Assert.Equal((5, 0, 5), Stock((await product.Get()).Value!));
    }

    [Fact]
    public async Task A_deactivated_product_refuses_new_reservations_but_keeps_open_ones()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 5));
        var number = await Reserved(product, "order-1", 2);

        await product.Deactivate();
        var refused = await product.Reserve("order-2", 1);
        await product.Settle("order-1", 2, Settlement.Commit, number);

        Assert.Equal(0, refused.Error!.Shortages.Single().Available);
        var view = (await product.Get()).Value!;
        Assert.False(view.Active);
        Assert.Equal((3, 0, 3), Stock(view));
    }

    [Fact]
    public async Task Concurrent_reservations_never_oversell()
    {
        var product = NewProduct();
        await product.Create(Widget(stock: 25));

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => product.Reserve($"order-{i}", 1)));

        Assert.Equal(25, results.Count(r => r.IsSuccess));
        Assert.Equal((25, 25, 0), Stock((await product.Get()).Value!));
    }

    /// <summary>Reserves, and returns the number the product gave the reservation.</summary>
    private static async Task<long> Reserved(IProductGrain product, string reservationId, int quantity) =>
        (await product.Reserve(reservationId, quantity)).Value!.Number;

    /// <summary>Acknowledges (one-way) and waits until the product has stored that it forgot the record.</summary>
    private async Task Acknowledged(IProductGrain product, string reservationId, ReservationStage stage)
    {
        await product.Acknowledge(reservationId, stage);
        await Poll.For(async () => !(await Stored(product)).Reservations.ContainsKey(reservationId), $"{reservationId} forgotten");
    }

    /// <summary>The product's state as its storage holds it.</summary>
    private Task<ProductState> Stored(IProductGrain product) => Tests.Stored.Product(fixture.Cluster, product);
}
