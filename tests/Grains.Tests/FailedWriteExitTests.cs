using OrderActors.Grains.Abstractions;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>What an activation discarded after a failed write does on its way out, with writes slow enough to act during one.</summary>
public sealed class FailedWriteExitTests(SlowStorageCluster fixture) : IClassFixture<SlowStorageCluster>
{
    [Fact]
    public async Task A_product_discarded_after_a_failed_write_stores_nothing_on_its_way_out_and_logs_no_error_for_it()
    {
        var product = fixture.Grains.GetGrain<IProductGrain>(Unique.Key("sku"));
        await product.Create(new CreateProduct("Widget", "A widget", 9.99m, "USD", 10));
        await product.Reserve("order-1", 1);
        await fixture.Grains.GetGrain<IStorageFaultGrain>("product")
            .AddFaultOnWrite(product.GetGrainId(), new TimeoutException("injected storage timeout"));

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
        var errors = SiloLogs.Provider.ErrorsAbout(product.GetPrimaryKeyString());
        Assert.Contains(errors, e => e.Exception?.ToString().Contains("injected storage timeout", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(errors, e => e.Message.Contains("OnDeactivateAsync", StringComparison.Ordinal));
    }
}
