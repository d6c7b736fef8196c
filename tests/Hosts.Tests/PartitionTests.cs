using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using OrderActors.Cluster.Tests;
using Xunit.Abstractions;

namespace OrderActors.Hosts.Tests;

public sealed class PartitionTests(ITestOutputHelper output)
{
    /// <summary>How long the host stays cut off at least; longer if Orleans takes longer to declare it dead.</summary>
    private static readonly TimeSpan MinimumCut = TimeSpan.FromSeconds(20);

    // How long a read of an order paid before the cut may take to answer once the silo is declared dead: the gateway
    // may send it through the cut-off silo (which it still reaches) until its next gateway list refresh (10 s), each
    // such call waiting out the 30 s client timeout; a starved CI machine stretches both.
    private static readonly TimeSpan ReadBackPatience = TimeSpan.FromSeconds(150);

    public enum Cut
    {
        /// <summary>The silo's machine loses every link.</summary>
        FromEverything,

        /// <summary>
        /// The silo loses the other silos and Redis but still reaches PostgreSQL and the gateways. A second gateway
        /// whose only way into the cluster is this silo keeps sending it customers, whom its old activations serve,
        /// while the other silos, having declared it dead, activate the same grains again for the first gateway's
        /// customers. Two activations of one product then sell and write concurrently, and only the storage's version
        /// check keeps the stale one from persisting a lost update.
        /// </summary>
        FromClusterOnly,
    }

    [Theory]
    [InlineData(Cut.FromEverything)]
    [InlineData(Cut.FromClusterOnly)]
    public async Task A_silo_host_cut_off_during_checkouts_is_declared_dead_and_stops_its_grains_move_and_no_promise_is_broken(Cut cut)
    {
        await using var cluster = await HostCluster.StartAsync();
        var silos = await cluster.StartNodesAsync(silos: 3);
        var (host, victim) = silos[^1];
        var gateways = new List<HttpClient> { cluster.Api };
        if (cut == Cut.FromClusterOnly)
        {
            var lonely = await cluster.Network.AddHostAsync("gateway2");
            foreach (var (other, _) in silos.Where(s => s.Host != host))
            {
                await cluster.Network.DropBetweenAsync(lonely, other);
            }

            gateways.Add(await cluster.StartGatewayAsync(lonely));
        }

        // Products plenty (several, so the silo to cut off holds some), and one that sells out during the load, so
        // overselling is tried at the limit.
        var skus = await cluster.CreateProductsAsync(6, stock: 5000, price: 2m);
        var scarce = await cluster.Api.CreateProduct(stock: 150, price: 2m);
        var stock = skus.ToDictionary(sku => sku, _ => 5000);
        stock[scarce] = 150;
        var load = new CheckoutLoad(gateways, [.. stock.Keys], 2m);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(workers: 8, stop.Token);
        await load.UntilPaidAsync(40);

        bool IsVictim((string Address, string Status, int? Activations) silo) => silo.Address.StartsWith($"{host.Address}:{HostCluster.SiloPort}@");
        var held = (await cluster.SilosAsync()).Single(IsVictim).Activations;
        Assert.True(held > 0, "the silo to cut off holds no grains");
        var paidBefore = load.Purchases.Where(p => p.Outcome == "paid").ToList();
        var cutAt = load.Clock.Elapsed;
        var cutAtUtc = DateTime.UtcNow;
        if (cut == Cut.FromEverything)
        {
            await cluster.Network.IsolateAsync(host);
        }
        else
        {
            foreach (var (other, _) in silos.Where(s => s.Host != host))
            {
                await cluster.Network.DropBetweenAsync(host, other);
            }

            await cluster.Network.DropBetweenAsync(host, cluster.Data, HostCluster.RedisPort);
        }

        output.WriteLine($"{cutAt:mm\\:ss}: {host} cut off {cut}, holding {held} activations; {paidBefore.Count} orders paid so far");

        await cluster.WaitForSilosAsync(view => view.Any(s => IsVictim(s) && s.Status == "Dead"), TimeSpan.FromSeconds(120), "the cut-off silo being declared dead");
        var deadAt = load.Clock.Elapsed;
        output.WriteLine($"{deadAt:mm\\:ss}: declared dead {(deadAt - cutAt).TotalSeconds:F1} s after the cut");

        // Still cut off, yet every order paid before the cut and every product answers: the grains it held were
        // activated again on the other silos, from their stored state.
        foreach (var purchase in paidBefore)
        {
            var order = await Promises.Eventually(
                () => cluster.Api.Send(HttpMethod.Get, $"/api/orders/{purchase.OrderId}"), read => read.Status == HttpStatusCode.OK, ReadBackPatience);
            Assert.Equal((HttpStatusCode.OK, "Paid"), (order.Status, (string?)order.Body?["status"]));
        }

        foreach (var sku in stock.Keys)
        {
            await cluster.Api.Send(HttpMethod.Get, $"/api/products/{sku}").Expect(HttpStatusCode.OK);
        }

        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: all {paidBefore.Count} orders paid before the cut and all {stock.Count} products read back while it is still cut off");
        var untilMinimumCut = cutAt + MinimumCut - load.Clock.Elapsed;
        if (untilMinimumCut > TimeSpan.Zero)
        {
            await Task.Delay(untilMinimumCut);
        }

        var healAt = load.Clock.Elapsed;
        await (cut == Cut.FromEverything ? cluster.Network.HealAsync(host) : cluster.Network.StopDroppingAsync());
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: healed after {(load.Clock.Elapsed - cutAt).TotalSeconds:F1} s cut off");

        // Orleans' rule: a silo that finds itself declared dead does not come back; it stops.
        var exitCode = await victim.WaitForExitAsync(TimeSpan.FromSeconds(120));
        var log = victim.Tail(int.MaxValue);
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: the healed silo exited with {exitCode?.ToString() ?? "nothing (still running)"}");
        Assert.NotNull(exitCode);
        Assert.Contains("I have been told I am dead", log);

        var others = silos.Take(silos.Count - 1).Select(s => s.Silo).ToList();
        var evictedAt = others.Select(s => FirstLogLine(s, "Evicting", host)).Min();
        output.WriteLine($"the other silos evicted it (declared it dead in the membership table) {(evictedAt - cutAtUtc)?.TotalSeconds:F1} s after the cut");
        await load.UntilPaidAsync(load.Paid + 20);
        await stop.CancelAsync();
        await running;

        var calls = load.Calls.ToList();
        var during = calls.Where(c => c.At >= cutAt && c.At < healAt).ToList();
        var failed = during.Where(c => c.Status is not (200 or 201 or 409)).ToList();
        output.WriteLine($"every call: {Promises.Summary(calls)}");
        output.WriteLine($"during the cut ({(healAt - cutAt).TotalSeconds:F0} s): {during.Count} calls, {failed.Count} without a final answer" +
                         (failed.Count == 0 ? "" : $", the last one started {(failed.Max(c => c.At) - cutAt).TotalSeconds:F1} s after the cut"));
        output.WriteLine("what clients saw, by seconds after the cut:\n" + Promises.Timeline(calls, cutAt - TimeSpan.FromSeconds(2), healAt + TimeSpan.FromSeconds(10), cutAt));
        Assert.DoesNotContain(calls, c => c.Status >= 500 && c.Status != 503);
        await Promises.AssertKeptAsync(cluster, load, stock, output);
    }

    /// <summary>
    /// The case the storage's version check exists for. The cut-off silo still reaches PostgreSQL and a gateway whose
    /// only way into the cluster is that silo; once the others declare it dead they activate its products again for
    /// the first gateway. Both activations then take stock changes and write them, each from the state it loaded.
    /// Every stock change acknowledged with a 200 must be in the product's final stock: a stale activation that
    /// overwrote the other's writes would lose some, and the check would fail.
    /// </summary>
    [Fact]
    public async Task Two_activations_of_a_product_during_a_partition_never_lose_an_acknowledged_stock_change()
    {
        await using var cluster = await HostCluster.StartAsync();
        var silos = await cluster.StartNodesAsync(silos: 3);
        var (host, victim) = silos[^1];
        var lonely = await cluster.Network.AddHostAsync("gateway2");
        foreach (var (other, _) in silos.Where(s => s.Host != host))
        {
            await cluster.Network.DropBetweenAsync(lonely, other);
        }

        var gateways = new[] { cluster.Api, await cluster.StartGatewayAsync(lonely) };
        var skus = await cluster.CreateProductsAsync(8, stock: 0, price: 1m);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var changes = new System.Collections.Concurrent.ConcurrentQueue<(int Gateway, string Sku, int Status, TimeSpan At)>();
        using var stop = new CancellationTokenSource();
        // Each gateway keeps adding one unit to every product, one call at a time per product.
        var adding = Task.WhenAll(gateways.SelectMany((api, g) => skus.Select(sku => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var at = clock.Elapsed;
                int status;
                try
                {
                    status = (int)(await api.Send(HttpMethod.Post, $"/api/products/{sku}/stock", new { delta = 1 })).Status;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    status = 0;
                }

                changes.Enqueue((g, sku, status, at));
                await Task.Delay(status == 200 ? 20 : 250);
            }
        }))));
        await Promises.Eventually(() => Task.FromResult(changes.Count(c => c.Status == 200)), n => n >= 100, TimeSpan.FromSeconds(60));

        var cutAt = clock.Elapsed;
        foreach (var (other, _) in silos.Where(s => s.Host != host))
        {
            await cluster.Network.DropBetweenAsync(host, other);
        }

        await cluster.Network.DropBetweenAsync(host, cluster.Data, HostCluster.RedisPort);
        bool IsVictim((string Address, string Status, int? Activations) silo) => silo.Address.StartsWith($"{host.Address}:{HostCluster.SiloPort}@");
        await cluster.WaitForSilosAsync(view => view.Any(s => IsVictim(s) && s.Status == "Dead"), TimeSpan.FromSeconds(180), "the cut-off silo being declared dead");
        var deadAt = clock.Elapsed;
        output.WriteLine($"{deadAt:mm\\:ss}: declared dead {(deadAt - cutAt).TotalSeconds:F1} s after the cut");

        // Both sides keep selling while the old activations live on the cut-off silo and the new ones elsewhere.
        await Task.Delay(TimeSpan.FromSeconds(20));
        await cluster.Network.StopDroppingAsync();
        var exitCode = await victim.WaitForExitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine($"{clock.Elapsed:mm\\:ss}: healed; the cut-off silo exited with {exitCode?.ToString() ?? "nothing (still running)"}");
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await adding;

        var afterDeath = changes.Where(c => c.At >= deadAt && c.Status == 200).ToList();
        var contested = skus.Where(sku => afterDeath.Any(c => c.Sku == sku && c.Gateway == 0) && afterDeath.Any(c => c.Sku == sku && c.Gateway == 1)).ToList();
        output.WriteLine($"changes: {string.Join(", ", changes.GroupBy(c => (c.Gateway, c.Status)).OrderBy(g => g.Key).Select(g => $"gateway{g.Key.Gateway + 1} {g.Key.Status}×{g.Count()}"))}; " +
                         $"{contested.Count} product(s) changed through both gateways after the death declaration");
        foreach (var sku in skus)
        {
            var acknowledged = changes.Count(c => c.Sku == sku && c.Status == 200);
            var unanswered = changes.Count(c => c.Sku == sku && c.Status is 0 or 503 or 504);
            var onHand = (int)(await cluster.Api.Send(HttpMethod.Get, $"/api/products/{sku}").Expect(HttpStatusCode.OK))["onHand"]!;
            output.WriteLine($"{sku}: {acknowledged} acknowledged, {unanswered} without a final answer, {onHand} on hand");
            // A change without an answer may or may not have been stored; an acknowledged one must be.
            Assert.InRange(onHand, acknowledged, acknowledged + unanswered);
        }

        Assert.True(contested.Count > 0, "no product was changed through both gateways after the death declaration: the test did not produce two activations");
    }

    /// <summary>When <paramref name="silo"/> first logged <paramref name="message"/> about <paramref name="host"/>'s silo.</summary>
    private static DateTime? FirstLogLine(NodeProcess silo, string message, SimulatedHost host) =>
        silo.Tail(int.MaxValue).Split('\n')
            .Where(line => line.Contains(message) && line.Contains($"{host.Address}:{HostCluster.SiloPort}"))
            .Select(line => (DateTime?)DateTime.Parse((string)JsonNode.Parse(line)!["@t"]!, null, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal))
            .FirstOrDefault();
}
