using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Tests;

public sealed class BusinessMetricsTests(ShortPaymentWindowCluster fixture) : IClassFixture<ShortPaymentWindowCluster>, IDisposable
{
    private readonly ConcurrentDictionary<string, long> counted = new();
    private readonly MeterListener listener = new();

    [Fact]
    public async Task Orders_placed_refused_for_stock_expired_and_paid_are_counted_by_the_grains()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Metrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => counted.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        listener.Start();

        var sku = await fixture.Grains.NewProduct(price: 1m, stock: 3);
        var expiring = await CheckOut(sku, 1);
        var refused = await CheckOut(sku, 3);
        var paid = await CheckOut(sku, 1);
        await fixture.Grains.GetGrain<IOrderGrain>(paid.Value!.OrderId).Pay(new Payment(1m, Guid.NewGuid().ToString()));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await fixture.Grains.GetGrain<IOrderGrain>(expiring.Value!.OrderId).Get()).Value!.Status != OrderStatus.Cancelled && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.NotEmpty(refused.Error!.Shortages);
        Assert.True(Count("orderactors.orders.placed") >= 2);
        Assert.True(Count("orderactors.payments") >= 1);
        Assert.True(Count("orderactors.checkouts.refused_for_stock") >= 1);
        Assert.True(Count("orderactors.orders.expired") >= 1);
    }

    public void Dispose() => listener.Dispose();

    private long Count(string instrument) => counted.GetValueOrDefault(instrument);

    private async Task<Result<OrderView>> CheckOut(string sku, int quantity)
    {
        return await (await fixture.Grains.CartWith((sku, quantity))).Checkout(Guid.NewGuid().ToString());
    }
}
