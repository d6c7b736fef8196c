using System.Diagnostics;
using System.Net;
using OrderActors.Silo.Verification;
using Xunit.Abstractions;

namespace OrderActors.Cluster.Tests;

public sealed class CrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PaymentWindow = TimeSpan.FromSeconds(20);

    [Fact]
    public Task Killing_a_silo_during_a_burst_of_checkouts_loses_nothing_and_the_system_converges() =>
        CrashDuringBurstAsync(ProcessCluster.FastRecovery(PaymentWindow), async (_, victim) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(150));
            await victim.KillAsync();
        });

    /// <summary>
    /// A stopping silo hands its busiest activations on (<c>Orleans:HandOffOnStop</c>) and dies before any move is
    /// answered: the silo that stays is frozen first, so every move is in flight when the stopping silo is killed, and
    /// is let run again only then, to receive whatever of the moves reached it.
    /// </summary>
    [Fact]
    public Task Killing_a_silo_while_it_hands_off_its_activations_loses_nothing_and_the_system_converges()
    {
        var settings = ProcessCluster.FastRecovery(PaymentWindow);
        settings["Orleans__HandOffOnStop"] = "true";
        settings["Orleans__HandOffTimeout"] = "00:02:00"; // nothing is given up before the kill
        return CrashDuringBurstAsync(settings, async (survivor, victim) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(150));
            await survivor.PauseAsync();
            try
            {
                await victim.AskToStopAsync();
                Assert.True(await victim.WaitForLogAsync("Stopping: handing", TimeSpan.FromSeconds(30)),
                    $"the stopping silo did not begin its hand-off; its log ends:\n{victim.Tail()}");
                await Task.Delay(TimeSpan.FromMilliseconds(500)); // the moves leave for the frozen silo
                await victim.KillAsync();
            }
            finally
            {
                await survivor.ResumeAsync();
            }

            var log = victim.Tail(int.MaxValue);
            Assert.Matches(@"Stopping: handing [1-9][0-9]* busiest activations", log);
            Assert.DoesNotContain("handed off, all ended", log);
        });
    }

    /// <summary>
    /// Two silos and a gateway; 160 buyers with two-line carts on four products check out at once, <paramref name="crash"/>
    /// takes the second silo down during the burst (given the first, which stays, and the second), and the clients retry
    /// with the same keys: every order answered before the crash keeps its lines, retries reach the same orders, and
    /// once the unpaid orders' payment window has passed the stored state is consistent with all stock free again.
    /// </summary>
    private async Task CrashDuringBurstAsync(Dictionary<string, string> settings, Func<NodeProcess, NodeProcess, Task> crash)
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = new ProcessCluster(settings);
        var survivor = await cluster.StartSiloAsync();
        var victim = await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        await cluster.WaitForActiveSilosAsync(2);
        var api = cluster.Api;

        var skus = Enumerable.Range(0, 4).Select(_ => JsonApi.NewKey("sku")).ToArray();
        foreach (var sku in skus)
        {
            await api.Send(HttpMethod.Post, "/api/products", new { sku, name = "Hot", description = "", price = 3m, stock = 60 }).Expect(HttpStatusCode.Created);
        }

        var buyers = Enumerable.Range(0, 160).Select(i => (Customer: JsonApi.NewKey("buyer"), Key: Guid.NewGuid().ToString(), Skus: new[] { skus[i % 4], skus[(i + 1) % 4] })).ToArray();
        foreach (var buyer in buyers)
        {
            foreach (var sku in buyer.Skus)
            {
                await api.Send(HttpMethod.Put, $"/api/carts/{buyer.Customer}/items/{sku}", new { quantity = 1 }).Expect(HttpStatusCode.OK);
            }
        }

        output.WriteLine($"{clock.Elapsed}: cluster up, {buyers.Length} carts filled; starting the burst");
        var burst = buyers.Select(b => Attempt(api, b.Customer, b.Key)).ToArray();
        await crash(survivor, victim);
        var killedAt = clock.Elapsed;
        var first = await Task.WhenAll(burst);
        output.WriteLine($"{killedAt}: silo killed; first answers: {Summary(first)}");

        foreach (var (buyer, answer) in buyers.Zip(first).Where(p => p.Second.Status == HttpStatusCode.Created))
        {
            var order = await api.Send(HttpMethod.Get, $"/api/orders/{answer.OrderId}").Expect(HttpStatusCode.OK);
            Assert.Equal(buyer.Customer, (string)order["customerId"]!);
        }

        // Clients retry whatever did not get a final answer, with the same keys, until it does.
        var final = first.ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (final.Any(a => !a.IsFinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            for (var i = 0; i < final.Length; i++)
            {
                if (!final[i].IsFinal)
                {
                    final[i] = await Attempt(api, buyers[i].Customer, buyers[i].Key);
                }
            }
        }

        output.WriteLine($"{clock.Elapsed}: after retries: {Summary(final)}");
        Assert.All(final, a => Assert.True(a.IsFinal, $"still {a.Status}"));
        foreach (var (before, after) in first.Zip(final).Where(p => p.First.Status == HttpStatusCode.Created))
        {
            Assert.Equal(before.OrderId, after.OrderId);
        }

        // Every cart line acknowledged before the kill is in its order, also for carts the dead silo held.
        foreach (var (buyer, answer) in buyers.Zip(final).Where(p => p.Second.Status == HttpStatusCode.Created))
        {
            var order = await api.Send(HttpMethod.Get, $"/api/orders/{answer.OrderId}").Expect(HttpStatusCode.OK);
            Assert.Equal(buyer.Skus.Order(), order["lines"]!.AsArray().Select(line => (string)line!["sku"]!).Order());
        }

        var repeats = await Task.WhenAll(buyers.Select(b => Attempt(api, b.Customer, b.Key)));
        Assert.Equal(final.Select(a => (a.Status, a.OrderId)), repeats.Select(a => (a.Status, a.OrderId)));
        var sold = final.Count(a => a.Status == HttpStatusCode.Created);
        Assert.True(sold > 0);

        // Every order is unpaid, so once the last one's payment window has passed all stock must be free again,
        // and the stored state must be consistent: nothing stranded by the crash, nothing held twice.
        var lastPlaced = clock.Elapsed;
        await Task.Delay(PaymentWindow);
        var converged = await Poll.Until(async () =>
        {
            var violations = await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, cluster.ServiceId, CancellationToken.None);
            var products = await Task.WhenAll(skus.Select(sku => api.Send(HttpMethod.Get, $"/api/products/{sku}").Expect(HttpStatusCode.OK)));
            return (Violations: violations, Reserved: products.Sum(p => (int)p["reserved"]!), Available: products.Sum(p => (int)p["available"]!));
        }, state => state.Violations.Count == 0 && state.Reserved == 0, TimeSpan.FromSeconds(60));
        output.WriteLine($"{clock.Elapsed}: {sold} orders placed; converged {clock.Elapsed - lastPlaced} after the last one " +
                         $"with {converged.Violations.Count} violation(s), {converged.Reserved} units reserved");
        Assert.Empty(converged.Violations);
        Assert.Equal((0, 4 * 60), (converged.Reserved, converged.Available));
    }

    private static async Task<Answer> Attempt(HttpClient api, string customer, string key)
    {
        try
        {
            var (status, body) = await api.Checkout(customer, key);
            return new Answer(status, (string?)body?["orderId"]);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return new Answer(HttpStatusCode.GatewayTimeout, null);
        }
    }

    private static string Summary(IEnumerable<Answer> answers) =>
        string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Count()}×{(int)g.Key}"));

    private sealed record Answer(HttpStatusCode Status, string? OrderId)
    {
        public bool IsFinal => Status is HttpStatusCode.Created or HttpStatusCode.Conflict;
    }
}
