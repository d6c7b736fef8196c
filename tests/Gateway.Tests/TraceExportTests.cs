using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Tests;

/// <summary>A gateway and silo whose orders expire two seconds after checkout, so a reminder fires within the test.</summary>
public sealed class ShortPaymentWindowFixture : GatewayFixture
{
    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Orders:PaymentWindow"] = "00:00:02",
        ["Orders:ReminderPeriod"] = "00:00:01",
        ["Orders:RecoveryDelay"] = "00:00:01",
        ["Reminders:MinimumReminderPeriod"] = "00:00:01",
    };
}

public sealed class TraceExportTests(ShortPaymentWindowFixture fixture) : IClassFixture<ShortPaymentWindowFixture>
{
    [Fact]
    public async Task An_expiry_starts_its_own_trace_holding_what_it_causes()
    {
        var (orderId, checkoutTrace) = await PlaceOrder();

        // The deadline shard's sweep (started by its timer, or by its reminder's tick) asks the order, which expires and
        // releases its stock: that settlement, and its statements, belong to the sweep's trace, not the checkout's.
        var (ask, trace) = await Poll.For(() =>
        {
            var asks = fixture.SiloSpans.Where(s => s.DisplayName.StartsWith("IOrderGrain/CheckDeadline", StringComparison.Ordinal) && s.Kind == ActivityKind.Server
                && (s.GetTagItem("orleans.rpc.target_id") as string)?.Contains(orderId, StringComparison.Ordinal) == true);
            // Spans are exported as they end: the sweep's own comes once it has stored what the orders answered.
            return Task.FromResult(asks.Select(a => (Ask: a, Trace: fixture.SiloSpans.Trace(a.TraceId)))
                .FirstOrDefault(a => a.Trace.Any(s => s.DisplayName.StartsWith("IProductGrain/Settle", StringComparison.Ordinal))
                    && a.Trace.Any(s => s.DisplayName == Traces.DeadlineSweep) && a.Trace.Any(s => s.ParentSpanId == default)));
        }, found => found.Ask is not null, "the expiry's trace with its sweep and settlement");

        Assert.NotEqual(checkoutTrace, ask.TraceId);
        var byId = trace.ToDictionary(s => s.SpanId);
        var root = Assert.Single(trace, s => !byId.ContainsKey(s.ParentSpanId));
        Assert.True(root.DisplayName == Traces.DeadlineSweep || root.DisplayName.StartsWith("IRemindable/", StringComparison.Ordinal), root.DisplayName);
        Assert.Equal(default, root.ParentSpanId);
        Assert.Contains(trace, s => s.DisplayName == Traces.DeadlineSweep);
        Assert.Contains(trace, s => s.Source.Name == "Npgsql");
    }

    [Fact]
    public async Task A_reminder_tick_starts_its_own_trace()
    {
        await PlaceOrder();

        // The order's deadline shard registered its reminder, which ticks each second here: each tick is a trace's root,
        // and the sweep it runs is part of it. Spans are exported as they end, the tick's root last.
        var trace = await Poll.Found(
            () => fixture.SiloSpans.Where(s => s.DisplayName == Traces.DeadlineSweep && s.ParentSpanId != default)
                .Select(s => fixture.SiloSpans.Trace(s.TraceId))
                .FirstOrDefault(t => t.Any(s => s.ParentSpanId == default)),
            "a reminder tick's whole trace");

        var byId = trace.ToDictionary(s => s.SpanId);
        var root = Assert.Single(trace, s => !byId.ContainsKey(s.ParentSpanId));
        Assert.StartsWith("IRemindable/", root.DisplayName);
        Assert.Equal(default, root.ParentSpanId);
    }

    [Fact]
    public async Task Spans_are_exported_over_otlp_when_an_endpoint_is_configured()
    {
        var received = new List<byte[]>();
        await using var collector = await FakeCollector(received);
        await using var gateway = fixture.Gateway.WithWebHostBuilder(web => web
            .UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", collector.Urls.Single())
            .UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
        var traceId = ActivityTraceId.CreateRandom();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{JsonApi.NewKey("sku")}");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await gateway.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var traceIdBytes = Convert.FromHexString(traceId.ToHexString());
        await Poll.Found(() =>
        {
            gateway.Services.GetRequiredService<TracerProvider>().ForceFlush(1000);
            lock (received)
            {
                return received.Any(body => body.AsSpan().IndexOf(traceIdBytes) >= 0) ? received : null;
            }
        }, "the request's spans at the collector", TimeSpan.FromSeconds(20));
    }

    /// <summary>An OTLP/HTTP receiver that keeps each protobuf body posted to /v1/traces.</summary>
    private static async Task<WebApplication> FakeCollector(List<byte[]> received)
    {
        var port = Ports.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            lock (received)
            {
                received.Add(body.ToArray());
            }

            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Checks out two units of a new product: the order's id and the checkout's trace.</summary>
    private async Task<(string OrderId, ActivityTraceId Trace)> PlaceOrder()
    {
        var sku = await fixture.Client.CreateProduct(stock: 5);
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 });
        using var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{customer}/checkout");
        checkout.Headers.Add("Idempotency-Key", JsonApi.NewKey("checkout"));
        using var placed = await fixture.Client.SendAsync(checkout);
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        return ((string)(await JsonApi.Read(placed))!["orderId"]!,
            ActivityTraceId.CreateFromString(placed.Headers.GetValues("traceparent").Single().Split('-')[1]));
    }
}
