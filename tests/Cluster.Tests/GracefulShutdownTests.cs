using System.Diagnostics;
using System.Net;

namespace OrderActors.Cluster.Tests;

public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Sigterm_to_the_gateway_under_load_finishes_what_it_accepted_and_exits_0()
    {
        await using var cluster = new ProcessCluster(new Dictionary<string, string> { ["Shutdown__Timeout"] = "00:00:20" });
        await cluster.StartSiloAsync();
        var gateway = await cluster.StartGatewayAsync();
        var sku = JsonApi.NewKey("sku");
        await cluster.Api.Send(HttpMethod.Post, "/api/products", new { sku, name = "Item", description = "", price = 1m, stock = 1000 }).Expect(HttpStatusCode.Created);

        var answered = 0;
        var refused = 0;
        var failures = new List<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var clients = Enumerable.Range(0, 4).Select(n => Task.Run(async () =>
        {
            var customer = JsonApi.NewKey("customer");
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    var (status, body) = i % 2 == 0
                        ? await cluster.Api.Send(HttpMethod.Get, $"/api/products/{sku}")
                        : await cluster.Api.Send(HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity = 1 + (i % 5) });
                    lock (failures)
                    {
                        answered++;
                        if (status != HttpStatusCode.OK)
                        {
                            failures.Add($"{status}: {body?.ToJsonString()}");
                        }
                    }
                }
                catch (HttpRequestException exception) when (exception.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded)
                {
                    // The gateway no longer accepts connections, or closed an idle keep-alive connection just as this
                    // request was sent on it (no byte of a response): either way the request was never accepted.
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        })).ToArray();

        // Load first: the shutdown must meet requests in flight, however slow this machine is right now.
        var loaded = Stopwatch.StartNew();
        while (Volatile.Read(ref answered) < 20 && loaded.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.True(Volatile.Read(ref answered) >= 20, $"only {answered} requests were answered before the shutdown");
        var stopwatch = Stopwatch.StartNew();
        var exitCode = await gateway.TerminateAsync(TimeSpan.FromSeconds(40));
        stopwatch.Stop();
        await Task.WhenAll(clients);

        Assert.Equal(0, exitCode);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(25), $"shutdown took {stopwatch.Elapsed}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {answered} answers failed: {string.Join("; ", failures.Take(5))}");
        Assert.Equal(4, refused);
    }
}
