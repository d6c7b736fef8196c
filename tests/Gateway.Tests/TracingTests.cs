using System.Diagnostics;
using System.Net;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class TracingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_checkout_is_one_trace_from_the_gateway_through_every_grain_call_to_each_sql_statement()
    {
        var sku = await fixture.Client.CreateProduct();
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 });
        var caller = (Trace: ActivityTraceId.CreateRandom(), Span: ActivitySpanId.CreateRandom());

        using var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{customer}/checkout");
        checkout.Headers.Add("traceparent", $"00-{caller.Trace}-{caller.Span}-01");
        checkout.Headers.Add("Idempotency-Key", JsonApi.NewKey("checkout"));
        using var response = await fixture.Client.SendAsync(checkout);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith($"00-{caller.Trace}-", response.Headers.GetValues("traceparent").Single());
        var spans = await Poll.Found(() =>
        {
            var found = fixture.GatewaySpans.Trace(caller.Trace).Concat(fixture.SiloSpans.Trace(caller.Trace)).DistinctBy(s => s.SpanId).ToList();
            // The order stores its payment deadline after answering: the trace is whole once that call has ended too.
            return found.Any(IsHttp) && found.Any(s => s.DisplayName.StartsWith("IDeadlineGrain/Track", StringComparison.Ordinal) && s.Kind == ActivityKind.Server)
                ? found
                : null;
        }, "the checkout's whole trace");

        // One tree: the gateway's span is the only child of the caller's, every other span hangs below it.
        var byId = spans.ToDictionary(s => s.SpanId);
        var http = Assert.Single(spans, s => s.ParentSpanId == caller.Span);
        Assert.True(IsHttp(http), $"the root is {http.DisplayName}");
        Assert.All(spans.Where(s => s != http), s => Assert.True(byId.ContainsKey(s.ParentSpanId), $"{s.DisplayName} has a parent outside the trace"));

        var cart = GrainServerSpan(spans, "ICartGrain/Checkout");
        var order = GrainServerSpan(spans, "IOrderGrain/Place");
        var reserve = GrainServerSpan(spans, "IProductGrain/Reserve");
        Assert.True(Descends(cart, http, byId), "the cart's call is not below the gateway's span");
        Assert.True(Descends(order, cart, byId), "the order's call is not below the cart's");
        Assert.True(Descends(reserve, order, byId), "the reservation is not below the order's call");
        Assert.True(Descends(GrainServerSpan(spans, "IDeadlineGrain/Track"), order, byId), "the deadline is not below the order's call");
        var statements = spans.Where(s => s.Source.Name == "Npgsql").ToList();
        Assert.NotEmpty(statements);
        Assert.Contains(statements, s => Descends(s, order, byId));
        Assert.Contains(statements, s => Descends(s, reserve, byId));

        // The silo's own tracer provider records its grain calls and statements (not only the gateway's, which shares this process).
        var silo = fixture.SiloSpans.Trace(caller.Trace);
        Assert.Contains(silo, s => s.SpanId == order.SpanId);
        Assert.Contains(silo, s => s.Source.Name == "Npgsql");
    }

    [Fact]
    public async Task A_request_without_traceparent_starts_a_new_trace_and_returns_it()
    {
        using var first = await fixture.Anonymous().GetAsync($"/api/products/{JsonApi.NewKey("sku")}");
        using var second = await fixture.Anonymous().GetAsync($"/api/products/{JsonApi.NewKey("sku")}");

        var traces = new[] { first, second }.Select(r => r.Headers.GetValues("traceparent").Single().Split('-')[1]).ToList();
        Assert.All(traces, t => Assert.Matches("^[0-9a-f]{32}$", t));
        Assert.NotEqual(traces[0], traces[1]);
    }

    [Fact]
    public async Task Every_log_line_of_a_request_carries_its_trace_id_in_the_gateway_and_inside_grains()
    {
        var sku = await fixture.Client.CreateProduct();
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 1 });
        var traceId = ActivityTraceId.CreateRandom();
        var requestId = JsonApi.NewKey("req");

        using var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{customer}/checkout");
        checkout.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        checkout.Headers.Add("X-Request-ID", requestId);
        checkout.Headers.Add("Idempotency-Key", requestId);
        using var response = await fixture.Client.SendAsync(checkout);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var gateway = await Poll.Found(() => fixture.GatewayLogs.WithProperty("RequestId", requestId).ToList() is { Count: > 0 } lines ? lines : null, "the gateway's log lines");
        var silo = await Poll.Found(() => fixture.SiloLogs.WithProperty("RequestId", requestId).ToList() is { Count: > 0 } lines ? lines : null, "the silo's log lines");
        Assert.All(gateway.Concat(silo), line => Assert.Equal(traceId, line.TraceId));
    }

    private static bool IsHttp(Activity span) => span.Source.Name == "Microsoft.AspNetCore" && span.Kind == ActivityKind.Server;

    private static Activity GrainServerSpan(IEnumerable<Activity> spans, string method) =>
        spans.FirstOrDefault(s => s.Kind == ActivityKind.Server && s.DisplayName.StartsWith(method, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no span for {method} in [{string.Join(", ", spans.Select(s => s.DisplayName))}]");

    private static bool Descends(Activity span, Activity ancestor, IReadOnlyDictionary<ActivitySpanId, Activity> byId)
    {
        for (var current = span; byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
