using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Serilog.Events;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ObservabilityTests(GatewayFixture fixture)
{
    private const string Header = "X-Request-ID";

    [Fact]
    public async Task A_request_id_is_returned_as_given_or_generated_when_missing_or_unusable()
    {
        var given = "req-" + Guid.NewGuid().ToString("N");

        using var kept = await Get("/health/live", given);
        using var generated = await Get("/health/live", null);
        using var replaced = await Get("/health/live", "bad id with spaces");

        Assert.Equal(given, kept.Headers.GetValues(Header).Single());
        Assert.Matches("^[0-9a-f]{32}$", generated.Headers.GetValues(Header).Single());
        Assert.NotEqual("bad id with spaces", replaced.Headers.GetValues(Header).Single());
    }

    [Fact]
    public async Task The_request_id_is_on_the_gateway_request_log_and_on_log_lines_written_inside_grains()
    {
        var sku = await fixture.Client.CreateProduct();
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 1 });
        var requestId = "checkout-" + Guid.NewGuid().ToString("N");

        using var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{customer}/checkout");
        checkout.Headers.Add(Header, requestId);
        checkout.Headers.Add("Idempotency-Key", requestId);
        using var response = await fixture.Client.SendAsync(checkout);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(requestId, response.Headers.GetValues(Header).Single());
        var requestLog = await Poll.Found(() => fixture.GatewayLogs.WithProperty("RequestId", requestId)
            .FirstOrDefault(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal)), "the checkout's request log line");
        Assert.Equal(("POST", "/api/carts/{customerId}/checkout", 201), (Scalar(requestLog, "RequestMethod"), Scalar(requestLog, "Route"), Scalar<int>(requestLog, "StatusCode")));
        Assert.True(requestLog.Properties.ContainsKey("Elapsed"));
        var grainLog = await Poll.Found(() => fixture.SiloLogs.WithProperty("RequestId", requestId)
            .FirstOrDefault(e => Scalar(e, "SourceContext") == "OrderActors.Grains.Orders.OrderGrain"), "the order grain's log line");
        Assert.Contains("placed", grainLog.RenderMessage());
    }

    [Fact]
    public async Task The_request_log_keeps_only_failed_requests_when_its_minimum_level_is_error()
    {
        await using var quiet = fixture.Gateway.WithWebHostBuilder(web =>
            web.UseSetting(OrderActors.Gateway.Hosting.RequestLogging.MinimumLevelSetting, "Error"));
        using var quietClient = quiet.CreateClient();
        var unlogged = "quiet-" + Guid.NewGuid().ToString("N");
        var logged = "loud-" + Guid.NewGuid().ToString("N");

        using (var quietAnswer = await Get("/api/products?limit=1", unlogged, quietClient))
        {
            Assert.Equal(HttpStatusCode.OK, quietAnswer.StatusCode);
        }

        // The same sink takes both gateways' lines: once the default gateway's line for a later request is there,
        // a line for the quiet gateway's request would have been too.
        (await Get("/api/products?limit=1", logged)).Dispose();

        await Poll.Found(() => fixture.GatewayLogs.WithProperty("RequestId", logged)
            .FirstOrDefault(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal)), "the logged request's line");
        Assert.DoesNotContain(fixture.GatewayLogs.WithProperty("RequestId", unlogged), e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tokens_and_payment_details_never_reach_the_logs()
    {
        var sku = await fixture.Client.CreateProduct(price: 7.77m);
        var customer = JsonApi.NewKey("customer");
        var token = GatewayFixture.Token("payments", "payments");
        using var client = fixture.ClientFor(customer);
        await client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 3 });
        var order = (string)(await client.Checkout(customer)).Body!["orderId"]!;
        var requestId = "pay-" + Guid.NewGuid().ToString("N");
        using var pay = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{order}/pay") { Content = JsonContent.Create(new { amount = 23.31m }) };
        pay.Headers.Add(Header, requestId);
        pay.Headers.Add("Idempotency-Key", requestId);
        pay.Headers.Authorization = new("Bearer", token);
        using var paid = await client.SendAsync(pay);
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        await Poll.Found(() => fixture.GatewayLogs.WithProperty("RequestId", requestId).FirstOrDefault(), "the payment's log line");

        var everything = fixture.GatewayLogs.Events.Concat(fixture.SiloLogs.Events).Select(LogCapture.Render).ToList();

        Assert.DoesNotContain(everything, line => line.Contains(token[..40], StringComparison.Ordinal));
        Assert.DoesNotContain(everything, line => line.Contains("Bearer", StringComparison.OrdinalIgnoreCase));
        // The amount as a number of its own: a request line's elapsed time may read "23.3105 ms".
        Assert.DoesNotContain(everything, line => Regex.IsMatch(line, @"(?<![\d.])23\.31(?![\d])"));
    }

    [Fact]
    public async Task The_gateway_exposes_prometheus_metrics_with_http_duration_by_route_and_status()
    {
        // Its own gateway: every gateway of this fixture runs in one process, each with a meter named like ASP.NET Core's,
        // and OpenTelemetry stops them all when one is disposed (open-telemetry/opentelemetry-dotnet#6412). A gateway
        // that another test derived and disposed would leave the fixture's own without the HTTP metric; in a real
        // gateway process there is one host and one meter.
        await using var gateway = fixture.Gateway.WithWebHostBuilder(_ => { });
        using var client = GatewayFixture.WithToken(gateway.CreateClient(), GatewayFixture.Token("admin", "admin"));
        await client.CreateProduct();

        // The exporter answers a scrape from its cache for a moment: one made just now may not show this request yet.
        var text = await Poll.Until(() => client.GetStringAsync("/metrics"), scraped => scraped.Contains("http_response_status_code=\"201\""), TimeSpan.FromSeconds(5));

        Assert.Contains("http_server_request_duration_seconds_bucket", text);
        Assert.Contains("http_route=\"/api/products/\"", text);
        Assert.Contains("http_response_status_code=\"201\"", text);
        // Per-request instruments nothing reads are not recorded at all (TelemetrySetup.DroppedInstruments).
        Assert.Contains("aspnetcore_rate_limiting_requests_total", text);
        Assert.DoesNotContain("aspnetcore_routing_match_attempts", text);
        Assert.DoesNotContain("aspnetcore_rate_limiting_request_lease_duration", text);
        Assert.DoesNotContain("aspnetcore_memory_pool", text);
    }

    [Fact]
    public async Task The_silo_exposes_orleans_and_business_counters()
    {
        var scarce = await fixture.Client.CreateProduct(price: 1m, stock: 1);
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{scarce}", new { quantity = 1 });
        var order = (string)(await fixture.Client.Checkout(customer)).Body!["orderId"]!;
        await fixture.Client.Pay(order, 1m);
        var other = JsonApi.NewKey("customer");
        await fixture.Client.Post($"/api/products/{scarce}/stock", new { delta = 1 });
        await fixture.Client.Put($"/api/carts/{other}/items/{scarce}", new { quantity = 2 });
        (await fixture.Client.Checkout(other)).Problem(HttpStatusCode.Conflict);

        using var http = new HttpClient { BaseAddress = fixture.SiloAddress };
        var text = await http.GetStringAsync("/metrics");

        Assert.Contains("orderactors_orders_placed_total", text);
        Assert.Contains("orderactors_payments_total", text);
        Assert.Contains("orderactors_checkouts_refused_for_stock_total", text);
        Assert.Contains("orleans_", text);
    }

    private async Task<HttpResponseMessage> Get(string path, string? requestId, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (requestId is not null)
        {
            request.Headers.TryAddWithoutValidation(Header, requestId);
        }

        return await (client ?? fixture.Anonymous()).SendAsync(request);
    }

    private static string? Scalar(LogEvent e, string name) => Scalar<string>(e, name);

    private static T? Scalar<T>(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: T v } ? v : default;
}
