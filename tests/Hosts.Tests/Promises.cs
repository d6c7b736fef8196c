using System.Diagnostics;
using System.Net;
using OrderActors.Cluster.Tests;
using OrderActors.Silo.Verification;
using Xunit.Abstractions;

namespace OrderActors.Hosts.Tests;

/// <summary>What must hold after a load, whatever the network did to it, and how to tell what clients saw.</summary>
public static class Promises
{
    /// <summary>
    /// Every purchase got its final answers; every acknowledged order is readable and paid if its payment was
    /// acknowledged; every key, repeated, gives the same answer; no customer has two orders; no unit was sold twice;
    /// and <c>verify</c> finds the stored state consistent once the recovery window has passed.
    /// </summary>
    public static async Task AssertKeptAsync(HostCluster cluster, CheckoutLoad load, IReadOnlyDictionary<string, int> stock, ITestOutputHelper output)
    {
        var api = cluster.Api;
        var purchases = load.Purchases.ToList();
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: {purchases.Count} purchases: " +
                         string.Join(", ", purchases.GroupBy(p => p.Outcome ?? "unfinished").Select(g => $"{g.Count()} {g.Key}")));
        Assert.All(purchases, p => Assert.True(p.Outcome is "paid" or "sold out", $"{p.Customer}: {p.Outcome ?? "no final answer"}"));
        var paid = purchases.Where(p => p.Outcome == "paid").ToList();
        Assert.NotEmpty(paid);

        foreach (var purchase in paid)
        {
            var order = await api.Send(HttpMethod.Get, $"/api/orders/{purchase.OrderId}").Expect(HttpStatusCode.OK);
            Assert.Equal((purchase.Customer, "Paid"), ((string)order["customerId"]!, (string)order["status"]!));
            var again = await api.Checkout(purchase.Customer, purchase.CheckoutKey).Expect(HttpStatusCode.Created);
            Assert.Equal(purchase.OrderId, (string)again["orderId"]!);
            await api.Pay(purchase.OrderId!, load.OrderTotal, purchase.PayKey).Expect(HttpStatusCode.OK);
        }

        foreach (var purchase in purchases.Where(p => p.Outcome == "sold out"))
        {
            await api.Checkout(purchase.Customer, purchase.CheckoutKey).Expect(HttpStatusCode.Conflict);
        }

        var clock = Stopwatch.StartNew();
        var converged = await Eventually(async () =>
        {
            var violations = await ConsistencyChecker.CheckAsync(cluster.Postgres, cluster.ServiceId, CancellationToken.None);
            var products = new Dictionary<string, (int OnHand, int Reserved)>();
            foreach (var sku in stock.Keys)
            {
                var product = await api.Send(HttpMethod.Get, $"/api/products/{sku}").Expect(HttpStatusCode.OK);
                products[sku] = ((int)product["onHand"]!, (int)product["reserved"]!);
            }

            return (Violations: violations, Products: products);
        }, state => state.Violations.Count == 0 && state.Products.Values.All(p => p.Reserved == 0), TimeSpan.FromSeconds(120));
        output.WriteLine($"verify: {converged.Violations.Count} violation(s) {clock.Elapsed.TotalSeconds:F0} s after the load ended" +
                         string.Concat(converged.Violations.Take(20).Select(v => "\n  " + v)));
        Assert.Empty(converged.Violations);

        foreach (var (sku, initial) in stock)
        {
            // Paid units left the shelf, and nothing else did: a unit sold twice or a payment lost would show here.
            var sold = paid.Count(p => p.Skus.Contains(sku));
            var (onHand, reserved) = converged.Products[sku];
            output.WriteLine($"{sku}: stock {initial}, {sold} sold to acknowledged payments, {onHand} on hand, {reserved} reserved");
            Assert.Equal((initial - sold, 0), (onHand, reserved));
        }

        foreach (var purchase in paid)
        {
            var orders = await Eventually(
                () => api.Send(HttpMethod.Get, $"/api/customers/{purchase.Customer}/orders").Expect(HttpStatusCode.OK),
                list => list["items"]!.AsArray().Count == 1, TimeSpan.FromSeconds(10));
            Assert.Equal([purchase.OrderId], orders["items"]!.AsArray().Select(o => (string?)o!["orderId"]));
        }
    }

    /// <summary>What clients saw between <paramref name="from"/> and <paramref name="to"/>, second by second.</summary>
    public static string Timeline(IEnumerable<CheckoutLoad.Call> calls, TimeSpan from, TimeSpan to, TimeSpan zero)
    {
        var seconds = calls.Where(c => c.At >= from && c.At < to)
            .GroupBy(c => (int)Math.Floor((c.At - zero).TotalSeconds))
            .OrderBy(g => g.Key)
            .Select(g => $"  {g.Key,4} s: " + string.Join(", ", g.GroupBy(c => c.Status).OrderBy(s => s.Key)
                .Select(s => $"{s.Count()}×{Status(s.Key)} (longest {s.Max(c => c.Duration).TotalSeconds:F1} s)")));
        return string.Join('\n', seconds);
    }

    /// <summary>Counts by operation and status, with the longest call of each.</summary>
    public static string Summary(IEnumerable<CheckoutLoad.Call> calls) =>
        string.Join(", ", calls.GroupBy(c => (c.Operation, c.Status)).OrderBy(g => g.Key)
            .Select(g => $"{g.Key.Operation} {g.Count()}×{Status(g.Key.Status)} (longest {g.Max(c => c.Duration).TotalSeconds:F1} s)"));

    public static TimeSpan Percentile(IEnumerable<TimeSpan> durations, double percentile)
    {
        var sorted = durations.Order().ToList();
        return sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile * sorted.Count) - 1)];
    }

    public static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            T value;
            try
            {
                value = await read();
            }
            catch (Exception exception) when (exception is TaskCanceledException or HttpRequestException && deadline.Elapsed < timeout)
            {
                // No answer within the client's timeout (a call still routed through the cut-off silo): not yet.
                continue;
            }

            if (done(value) || deadline.Elapsed > timeout)
            {
                return value;
            }

            await Task.Delay(1000);
        }
    }

    private static string Status(int status) => status == 0 ? "no answer" : status.ToString();
}
