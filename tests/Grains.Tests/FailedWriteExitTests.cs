using Microsoft.Extensions.Logging;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Products;
using Orleans.Core.Internal;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>What an activation discarded after a failed write leaves behind, with writes slow enough to act during one.</summary>
public sealed class FailedWriteExitTests(SlowStorageCluster fixture) : IClassFixture<SlowStorageCluster>
{
    private async Task<IProductGrain> NewProduct() => fixture.Grains.GetGrain<IProductGrain>(await fixture.Grains.NewProduct(stock: 10));

    private IStorageFaultGrain Faults => fixture.Grains.GetGrain<IStorageFaultGrain>("product");

    [Fact]
    public async Task A_product_discarded_after_a_failed_write_stores_nothing_on_its_way_out_and_logs_no_error_for_it()
    {
        var product = await NewProduct();
        await product.Reserve("order-1", 1);
        await Faults.AddFaultOnWrite(product.GetGrainId(), new TimeoutException("injected storage timeout"));

        // The acknowledgement arrives while the second reservation's write is in flight, so the activation that the
        // failed write discards holds a record it forgot and no write has carried: its way out must not try to store it.
        var reserving = product.Reserve("order-2", 1);
        await Task.Delay(SlowStorageCluster.Latency / 3);
        await product.Acknowledge("order-1", ReservationStage.Reserved);
        await Assert.ThrowsAnyAsync<Exception>(() => reserving);

        // Answered by the next activation, so the discarded one has finished deactivating.
        var view = (await product.Get()).Value!;
        Assert.Equal(1, view.Reserved);
        // The failed write's own error is logged where it failed; nothing more for the activation's way out.
        var key = product.GetPrimaryKeyString();
        var errors = TestClusterSettings.SiloLogs.GetSnapshot()
            .Where(e => e.Level >= LogLevel.Error && (e.Message.Contains(key, StringComparison.Ordinal) || e.Exception?.ToString().Contains(key, StringComparison.Ordinal) == true))
            .ToList();
        Assert.Contains(errors, e => e.Exception?.ToString().Contains("injected storage timeout", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(errors, e => e.Message.Contains("OnDeactivateAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_audit_tick_during_an_announcing_write_that_fails_keeps_the_reminder_that_brings_the_announcement()
    {
        // Stored and unannounced: the second reservation's change waits for an announcement the interval does not allow.
        var product = await NewProduct();
        await product.Reserve("order-1", 1);
        await product.Reserve("order-2", 1);
        await product.Acknowledge("order-1", ReservationStage.Reserved);
        await product.Acknowledge("order-2", ReservationStage.Reserved);
        await Poll.For(async () => await Stored(product) is { Reservations.Count: 0 }, "both acknowledgements stored");
        var before = await Stored(product);
        Assert.NotEqual(before.Version, before.AnnouncedVersion);

        // The next activation announces in its first write, which fails; the audit's tick comes while it is in flight,
        // when memory already says "announced" and storage does not.
        await product.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        await Faults.AddFaultOnWrite(product.GetGrainId(), new TimeoutException("injected storage timeout"));
        var reading = product.Get();
        await Task.Delay(SlowStorageCluster.Latency * 1.5); // the activation's read, then into its write
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromSeconds(1), DateTime.UtcNow);
        await Assert.ThrowsAnyAsync<Exception>(() => product.AsReference<IRemindable>().ReceiveReminder(ProductGrain.AuditReminder, tick));
        await Assert.ThrowsAnyAsync<Exception>(() => reading);

        // No call to the product from here on: only its reminder can bring the activation that announces what is stored.
        await Poll.For(async () => await Stored(product) is { } now && now.AnnouncedVersion == now.Version, "announced after the failed write");
    }

    private Task<ProductState> Stored(IProductGrain product) => Tests.Stored.Product(fixture.Cluster, product);
}
