using Microsoft.Extensions.DependencyInjection;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Products;
using Orleans.Core.Internal;

namespace OrderActors.Grains.Tests;

/// <summary>
/// A product stores what acknowledgements forgot with a write that happens anyway: the next stock call's, its own
/// delayed one (a minute in this cluster, so never within a test), or the one its deactivation makes.
/// </summary>
public sealed class AcknowledgementWriteTests(LazyAcknowledgementCluster fixture) : IClassFixture<LazyAcknowledgementCluster>
{
    [Fact]
    public async Task An_acknowledgement_makes_no_write_of_its_own_and_rides_the_next_stock_calls()
    {
        var product = await AnnouncedProductWithReservations("order-1", "order-2");

        await product.Acknowledge("order-1", ReservationStage.Reserved);
        // One-way calls are not ordered; the next call from here arrives after it in practice, as in ProductGrainTests.
        // A read answers once every write it could have observed is durable: a write of the acknowledgement's own too.
        await product.Get();
        Assert.True((await Stored(product)).Reservations.ContainsKey("order-1"));

        Assert.True((await product.Reserve("order-3", 1)).IsSuccess);
        var stored = await Stored(product);
        Assert.False(stored.Reservations.ContainsKey("order-1"));
        Assert.True(stored.Reservations.ContainsKey("order-2"));
    }

    [Fact]
    public async Task An_acknowledgement_no_write_carried_yet_is_stored_when_the_product_deactivates()
    {
        var product = await AnnouncedProductWithReservations("order-1", "order-2");

        await product.Acknowledge("order-1", ReservationStage.Reserved);
        // A grain call after the acknowledgement arrives after it; the deactivation request (an extension call) need not.
        await product.Get();
        await product.AsReference<IGrainManagementExtension>().DeactivateOnIdle();

        await Poll.For(async () => !(await Stored(product)).Reservations.ContainsKey("order-1"), "order-1 forgotten in storage", TimeSpan.FromSeconds(20));
        Assert.True((await Stored(product)).Reservations.ContainsKey("order-2"));
    }

    [Fact]
    public async Task The_audit_stores_what_acknowledgements_forgot_before_it_drops_its_reminder()
    {
        var product = await AnnouncedProductWithReservations("order-1");
        await product.Acknowledge("order-1", ReservationStage.Reserved);
        await product.Get();
        Assert.True((await Stored(product)).Reservations.ContainsKey("order-1"));
        Assert.NotNull(await AuditReminder(product));

        // The reminder's tick, as the reminder service delivers it: nothing left to audit in memory.
        var now = DateTime.UtcNow;
        await product.AsReference<IRemindable>().ReceiveReminder(ProductGrain.AuditReminder, new TickStatus(now, TimeSpan.FromMinutes(1), now));

        // Had it dropped the reminder first, storage would keep a record that no audit would ever look at.
        Assert.False((await Stored(product)).Reservations.ContainsKey("order-1"));
        Assert.Null(await AuditReminder(product));
    }

    [Fact]
    public async Task A_reservation_after_the_audit_dropped_its_reminder_and_the_activation_went_registers_it_anew()
    {
        var product = await AnnouncedProductWithReservations("order-1");
        await product.Acknowledge("order-1", ReservationStage.Reserved);
        // The one-way acknowledgement is not ordered with the tick below (an extension call); a grain call after it is.
        await product.Get();
        var now = DateTime.UtcNow;
        await product.AsReference<IRemindable>().ReceiveReminder(ProductGrain.AuditReminder, new TickStatus(now, TimeSpan.FromMinutes(1), now));
        Assert.Null(await AuditReminder(product));

        // Gone right after the drop, as when its silo dies: the next activation's first reservation needs the audit again.
        await product.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.True((await product.Reserve("order-2", 1)).IsSuccess);

        Assert.NotNull(await AuditReminder(product));
    }

    /// <summary>A product holding unacknowledged reservations of one unit for each order, its stock changes all announced (no timer pending).</summary>
    private async Task<IProductGrain> AnnouncedProductWithReservations(params string[] orders)
    {
        var product = fixture.Grains.GetGrain<IProductGrain>(await fixture.Grains.NewProduct(stock: 10));
        foreach (var order in orders)
        {
            Assert.True((await product.Reserve(order, 1)).IsSuccess);
        }

        await Poll.For(async () => await Stored(product) is { } now && now.AnnouncedVersion == now.Version, "the stock changes announced");
        return product;
    }

    private Task<ReminderEntry?> AuditReminder(IProductGrain product) =>
        fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>().ReadRow(product.GetGrainId(), ProductGrain.AuditReminder)!;

    private Task<ProductState> Stored(IProductGrain product) => Tests.Stored.Product(fixture.Cluster, product);
}
