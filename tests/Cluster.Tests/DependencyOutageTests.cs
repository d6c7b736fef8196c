using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrderActors.Silo.Verification;
using Xunit.Abstractions;

namespace OrderActors.Cluster.Tests;

/// <summary>
/// Dependencies failing under load, on real processes: PostgreSQL stopped for ten seconds and Redis restarted, with
/// no silo or gateway restarted. Clients see successes or 503 with Retry-After, never a 500; retries with the same
/// keys finish into one order each; what the API shows is what is stored, and the event log's retention goes on.
/// </summary>
public sealed class DependencyOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task PostgreSQL_stopped_for_ten_seconds_under_checkout_load_answers_503_then_recovers_losing_nothing()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var redis = await PrivateRedis.StartAsync();
        await using var cluster = new ProcessCluster(new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = postgres.ConnectionString,
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            // The log's retention deletes as the load runs, through the outage and after it.
            ["Events__Retention"] = Retention.ToString(),
            ["Events__RetentionInterval"] = "00:00:01",
        });
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        var skus = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var sku = JsonApi.NewKey("sku");
            await cluster.Api.Send(HttpMethod.Post, "/api/products", new { sku, name = "Thing", description = "", price = 2m, stock = 100_000 })
                .Expect(HttpStatusCode.Created);
            skus.Add(sku);
        }

        var load = new ShopperLoad(cluster.Api, skus);
        var running = load.RunAsync(workers: 12);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await postgres.StopAsync();
        var down = load.Elapsed;
        await Task.Delay(Outage);
        await postgres.StartAgainAsync();
        var back = load.Elapsed;
        var backAt = DateTimeOffset.UtcNow;
        var recovered = await load.RecoveredAsync(after: back);
        var checkouts = await load.StopAsync(running);

        output.WriteLine($"PostgreSQL down {down:g} .. {back:g}; {checkouts.Count} checkouts paid; answers: {load.Summary()}");
        output.WriteLine($"during the outage: {load.Summary(down, back)}; last 503 started {load.Last503():g}; " +
                         $"only successes from {recovered:g} on");
        Assert.True(load.Unexpected.IsEmpty, string.Join("\n", load.Unexpected));
        Assert.Contains(load.Answers, a => a.Status == HttpStatusCode.ServiceUnavailable && a.At > down && a.At < back);
        Assert.NotNull(recovered);
        Assert.True(checkouts.Count > 0);

        var stored = await StoredState.LoadAsync(postgres.ConnectionString, cluster.ServiceId, TimeSpan.Zero, CancellationToken.None);
        var storedOrders = stored.Orders.ToDictionary(o => o.OrderId);
        foreach (var checkout in checkouts)
        {
            // The exact retry idempotency keys exist for: the same key gives the same order, already paid.
            var again = await cluster.Api.Checkout(checkout.Customer, checkout.Key);
            Assert.Equal(HttpStatusCode.Created, again.Status);
            Assert.Equal(checkout.OrderId, (string)again.Body!["orderId"]!);
            var order = await cluster.Api.Send(HttpMethod.Get, $"/api/orders/{checkout.OrderId}").Expect(HttpStatusCode.OK);
            Assert.Equal("Paid", (string)order["status"]!);
            Assert.Equal("Paid", storedOrders[checkout.OrderId].Status.ToString());
            Assert.Equal(checkout.Key, storedOrders[checkout.OrderId].CheckoutKey);
        }

        foreach (var cart in stored.Carts)
        {
            var shown = await cluster.Api.Send(HttpMethod.Get, $"/api/carts/{cart.CustomerId}").Expect(HttpStatusCode.OK);
            Assert.Equal(cart.Lines.Select(l => (l.Sku, l.Quantity)), shown["lines"]!.AsArray().Select(l => ((string)l!["sku"]!, (int)l["quantity"]!)));
        }

        Assert.Equal(checkouts.Count, stored.Orders.Count);
        await Poll.For(
            async () => (await StoredState.LoadAsync(postgres.ConnectionString, cluster.ServiceId, TimeSpan.Zero, CancellationToken.None)).TrimmedBefore,
            trimmed => trimmed > backAt - Retention, "the log trimmed after PostgreSQL came back");
        await AssertConsistentAsync(postgres.ConnectionString, cluster.ServiceId);
    }

    /// <summary>
    /// With the default directory the outage stops only membership changes, and the cluster answers through it; with the
    /// directory in Redis every new activation waits for Redis, and the calls that need one answer 503 once the Redis
    /// client gives up on them (5 s), until Redis is back.
    /// </summary>
    [Theory]
    [InlineData("Default", 3, true)]
    [InlineData("Redis", 10, false)]
    public async Task Redis_restarted_under_load_leaves_the_cluster_answering_or_503_and_a_new_silo_joins_afterwards(
        string directory, int downSeconds, bool answersThroughTheOutage)
    {
        await using var redis = await PrivateRedis.StartAsync();
        await using var cluster = new ProcessCluster(new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis.ConnectionString,
            ["Orleans__GrainDirectory"] = directory,
        });
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        var sku = JsonApi.NewKey("sku");
        await cluster.Api.Send(HttpMethod.Post, "/api/products", new { sku, name = "Thing", description = "", price = 2m, stock = 100_000 })
            .Expect(HttpStatusCode.Created);

        var load = new ShopperLoad(cluster.Api, [sku]);
        var running = load.RunAsync(workers: 6);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await redis.StopAsync();
        var down = load.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(downSeconds));
        await redis.StartAgainAsync();
        var back = load.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(5));
        var checkouts = await load.StopAsync(running);
        output.WriteLine($"Redis down {down:g} .. {back:g}; {checkouts.Count} checkouts paid; answers: {load.Summary()}");

        Assert.True(load.Unexpected.IsEmpty, string.Join("\n", load.Unexpected));
        if (answersThroughTheOutage)
        {
            Assert.Contains(load.Answers, a => a.Status is HttpStatusCode.OK or HttpStatusCode.Created && a.At > down && a.At < back);
        }

        Assert.Contains(load.Answers, a => a.Status is HttpStatusCode.OK or HttpStatusCode.Created && a.At > back);
        await cluster.StartSiloAsync();
        await cluster.WaitForActiveSilosAsync(2);
        await cluster.Api.Send(HttpMethod.Get, $"/api/products/{sku}").Expect(HttpStatusCode.OK);
        await AssertConsistentAsync(TestEnvironment.Postgres, cluster.ServiceId);
    }

    /// <summary>The checker, given the listing lag it allows to pass.</summary>
    private static async Task AssertConsistentAsync(string postgres, string serviceId)
    {
        await Task.Delay(ConsistencyChecker.ListingLag);
        var violations = await ConsistencyChecker.CheckAsync(postgres, serviceId, CancellationToken.None);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    public sealed record Answer(TimeSpan At, string Route, HttpStatusCode Status);

    public sealed record Checkout(string Customer, string Key, string OrderId);

    /// <summary>
    /// Shoppers who each fill a cart, check out and pay, retrying every request with the same idempotency key while
    /// the answer is 503 (after its Retry-After), as a well-behaved client does. Any other answer is unexpected.
    /// </summary>
    private sealed class ShopperLoad(HttpClient api, IReadOnlyList<string> skus)
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly CancellationTokenSource stop = new();
        private readonly ConcurrentBag<Checkout> checkouts = [];

        public ConcurrentBag<Answer> Answers { get; } = [];

        public ConcurrentBag<string> Unexpected { get; } = [];

        public TimeSpan Elapsed => clock.Elapsed;

        public Task RunAsync(int workers) => Task.WhenAll(Enumerable.Range(0, workers).Select(Shop));

        public async Task<IReadOnlyList<Checkout>> StopAsync(Task running)
        {
            await stop.CancelAsync();
            await running;
            return checkouts.ToList();
        }

        public string Summary(TimeSpan? from = null, TimeSpan? to = null) => string.Join(", ", Answers
            .Where(a => a.At >= (from ?? TimeSpan.Zero) && a.At <= (to ?? TimeSpan.MaxValue))
            .GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()}×{g.Key}"));

        /// <summary>
        /// Waits, while the load runs, for a stretch of <see cref="CleanStretch"/> after <paramref name="after"/> in which
        /// every answer was a success (and some came); gives the start of that stretch, or null when none came within a
        /// minute. How long recovery takes depends on the machine; that it comes does not.
        /// </summary>
        public async Task<TimeSpan?> RecoveredAsync(TimeSpan after)
        {
            var giveUp = clock.Elapsed + TimeSpan.FromSeconds(60);
            while (clock.Elapsed < giveUp)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                var since = Answers.Where(a => !IsSuccess(a.Status)).Select(a => a.At).Append(after).Max();
                if (clock.Elapsed - since >= CleanStretch && Answers.Any(a => a.At > since && IsSuccess(a.Status)))
                {
                    return since;
                }
            }

            return null;
        }

        private static readonly TimeSpan CleanStretch = TimeSpan.FromSeconds(5);

        private static bool IsSuccess(HttpStatusCode status) => status is HttpStatusCode.OK or HttpStatusCode.Created;

        public TimeSpan? Last503() => Answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable).Select(a => (TimeSpan?)a.At).Max();

        private async Task Shop(int worker)
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                var customer = JsonApi.NewKey("shopper");
                var key = Guid.NewGuid().ToString();
                var sku = skus[(worker + round) % skus.Count];
                if (await Until(HttpStatusCode.OK, "cart", HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity = 2 }) is null)
                {
                    return;
                }

                var order = await Until(HttpStatusCode.Created, "checkout", HttpMethod.Post, $"/api/carts/{customer}/checkout", null, key);
                if (order is null)
                {
                    return;
                }

                var orderId = (string)order["orderId"]!;
                if (await Until(HttpStatusCode.OK, "pay", HttpMethod.Post, $"/api/orders/{orderId}/pay", new { amount = 4m }, "pay-" + key) is not null)
                {
                    checkouts.Add(new(customer, key, orderId));
                }
            }
        }

        /// <summary>Repeats the request while it answers 503; null when it gave up or met an unexpected answer.</summary>
        private async Task<JsonNode?> Until(HttpStatusCode success, string route, HttpMethod method, string path, object? body, string? key = null)
        {
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(60);
            while (clock.Elapsed < deadline)
            {
                var at = clock.Elapsed;
                using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
                if (key is not null)
                {
                    request.Headers.Add("Idempotency-Key", key);
                }

                HttpResponseMessage response;
                try
                {
                    response = await api.SendAsync(request);
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    Unexpected.Add($"{at:g} {route}: {exception.Message}");
                    return null;
                }

                using (response)
                {
                    var answer = await JsonApi.Read(response);
                    Answers.Add(new(at, route, response.StatusCode));
                    if (response.StatusCode == success)
                    {
                        return answer;
                    }

                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null ||
                        (string?)answer?["title"] != "The service is temporarily unavailable.")
                    {
                        Unexpected.Add($"{at:g} {route}: {(int)response.StatusCode} {answer?.ToJsonString()}");
                        return null;
                    }

                    await Task.Delay(response.Headers.RetryAfter.Delta ?? TimeSpan.FromSeconds(1));
                }
            }

            Unexpected.Add($"{route}: still 503 after 60 s");
            return null;
        }
    }
}
