using System.Net;
using Xunit.Abstractions;

namespace OrderActors.Hosts.Tests;

public sealed class SlowNetworkTests(ITestOutputHelper output)
{
    /// <summary>Added to every round trip between a silo and PostgreSQL: half of it each way.</summary>
    private static readonly TimeSpan AddedRoundTrip = TimeSpan.FromMilliseconds(50);

    /// <summary>How long each phase's throughput and latency are measured over.</summary>
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task With_50_ms_more_to_postgres_checkouts_slow_down_and_no_promise_is_broken()
    {
        await using var cluster = await HostCluster.StartAsync();
        // The silos reach PostgreSQL only through the relay; it adds nothing until told to.
        await using var relay = new DelayingRelay(cluster.Network.ClientAddress, new IPEndPoint(cluster.Data.Address, HostCluster.PostgresPort));
        cluster.PostgresForSilos = relay.Endpoint;
        await cluster.StartNodesAsync(silos: 2);
        // Nothing sells out, so both phases do the same work.
        var stock = (await cluster.CreateProductsAsync(4, stock: 5000, price: 2m)).ToDictionary(sku => sku, _ => 5000);
        var load = new CheckoutLoad([cluster.Api], [.. stock.Keys], 2m);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(workers: 8, stop.Token);
        await load.UntilPaidAsync(20);

        var unimpaired = await MeasureAsync(load);
        relay.OneWayDelay = AddedRoundTrip / 2;
        await load.UntilPaidAsync(load.Paid + 8);
        var slow = await MeasureAsync(load);
        await stop.CancelAsync();
        await running;

        output.WriteLine($"checkouts through the gateway, 8 clients, 2 silos, each phase {Phase.TotalSeconds:F0} s:");
        output.WriteLine($"  unimpaired:                 {unimpaired}");
        output.WriteLine($"  +{AddedRoundTrip.TotalMilliseconds:F0} ms per PostgreSQL round trip: {slow}");
        output.WriteLine($"every call: {Promises.Summary(load.Calls)}");
        Assert.True(unimpaired.Placed > 0 && slow.Placed > 0, "a phase placed no order");
        Assert.DoesNotContain(load.Calls, c => c.Status >= 500 && c.Status != 503);
        await Promises.AssertKeptAsync(cluster, load, stock, output);
    }

    private async Task<Measurement> MeasureAsync(CheckoutLoad load)
    {
        var from = load.Clock.Elapsed;
        await Task.Delay(Phase);
        var checkouts = load.Calls.Where(c => c.Operation == "checkout" && c.At >= from && c.At < from + Phase && c.Status == 201).ToList();
        var durations = checkouts.Select(c => c.Duration).ToList();
        return new Measurement(checkouts.Count, checkouts.Count / Phase.TotalSeconds, Promises.Percentile(durations, 0.5), Promises.Percentile(durations, 0.99));
    }

    private sealed record Measurement(int Placed, double PerSecond, TimeSpan P50, TimeSpan P99)
    {
        public override string ToString() =>
            $"{Placed} orders placed, {PerSecond:F1}/s, checkout p50 {P50.TotalMilliseconds:F0} ms, p99 {P99.TotalMilliseconds:F0} ms";
    }
}
