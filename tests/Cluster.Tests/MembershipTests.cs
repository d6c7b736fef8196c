using System.Diagnostics;
using System.Net;

namespace OrderActors.Cluster.Tests;

public sealed class MembershipTests
{
    [Fact]
    public async Task A_second_silo_joins_and_the_api_keeps_answering_while_a_silo_is_stopped_with_sigterm()
    {
        await using var cluster = new ProcessCluster();
        var first = await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        await cluster.WaitForActiveSilosAsync(1);

        await cluster.StartSiloAsync();
        await cluster.WaitForActiveSilosAsync(2);

        var api = cluster.Api;
        var skus = Enumerable.Range(0, 20).Select(_ => JsonApi.NewKey("sku")).ToArray();
        foreach (var sku in skus)
        {
            await api.Send(HttpMethod.Post, "/api/products", new { sku, name = "Item", description = "", price = 1m, stock = 1000 }).Expect(HttpStatusCode.Created);
        }

        var failures = new List<string>();
        var calls = 0;
        var load = Task.Run(async () =>
        {
            var stopwatch = Stopwatch.StartNew();
            var customer = JsonApi.NewKey("customer");
            for (var i = 0; stopwatch.Elapsed < TimeSpan.FromSeconds(15); i++)
            {
                var sku = skus[i % skus.Length];
                var (status, body) = i % 2 == 0
                    ? await api.Send(HttpMethod.Get, $"/api/products/{sku}")
                    : await api.Send(HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity = 1 + (i % 5) });
                calls++;
                if (status != HttpStatusCode.OK)
                {
                    failures.Add($"{status}: {body?.ToJsonString()}");
                }
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(3));
        var exitCode = await first.TerminateAsync(TimeSpan.FromSeconds(60));
        await load;

        Assert.Equal(0, exitCode);
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls failed: {string.Join("; ", failures.Take(5))}");
        Assert.True(calls > 50, $"only {calls} calls were made");
        Assert.Equal(1, await cluster.ActiveSilosAsync());
    }
}
