using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrderActors.Gateway.Hosting;
using StandardWebhooks;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The payment provider's signed callbacks through the real gateway on PostgreSQL: they move orders; unsigned, forged
/// and stale ones do not; a repeat changes nothing; money that cannot pay its order is refunded exactly once.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class PaymentCallbackTests(GatewayFixture fixture)
{
    private HttpClient Admin => fixture.Client;

    [Fact]
    public async Task A_signed_payment_succeeded_pays_the_order_with_its_payment_id_and_a_replay_changes_nothing()
    {
        var (orderId, _) = await PlaceOrder(price: 2.5m, quantity: 2);
        var callback = Callback("payment.succeeded", orderId, 5m, "pi_" + orderId[..8]);

        var first = await Deliver(callback);
        var replay = await Deliver(callback);
        var sameMoneyNewEvent = await Deliver(callback with { Id = NewEventId() });

        Assert.Equal((HttpStatusCode.OK, "applied", "Paid"), (first.Status, (string)first.Body!["outcome"]!, (string)first.Body["status"]!));
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal(HttpStatusCode.OK, sameMoneyNewEvent.Status);
        var order = (await Admin.Get($"/api/orders/{orderId}")).Body!;
        Assert.Equal(("Paid", "pi_" + orderId[..8]), ((string)order["status"]!, (string)order["paymentId"]!));
        Assert.Empty(order["refunds"]!.AsArray());
        var events = await Logged(orderId);
        Assert.Equal(["order.placed", "order.paid"], events.Select(e => e.Type));
        Assert.Equal(("payment-provider", "pi_" + orderId[..8]), (events[1].Actor, (string)events[1].Data["paymentId"]!));
    }

    [Fact]
    public async Task Unsigned_forged_tampered_and_stale_callbacks_are_401_and_change_nothing()
    {
        var (orderId, _) = await PlaceOrder(price: 3m);
        var good = Callback("payment.succeeded", orderId, 3m, "pi_forged");
        var wrongSecret = "whsec_" + Convert.ToBase64String("not-the-providers-secret-at-all!"u8.ToArray());

        var unsigned = await Send(good.Body, headers: []);
        var forged = await Deliver(good, secret: wrongSecret);
        var tampered = await Send(good.Body.Replace("pi_forged", "pi_tampered"), Headers(good));
        var stale = await Deliver(good with { At = DateTimeOffset.UtcNow.AddMinutes(-6) });

        Assert.All(new[] { unsigned, forged, tampered, stale }, r => r.Problem(HttpStatusCode.Unauthorized));
        Assert.Equal("PendingPayment", (string)(await Admin.Get($"/api/orders/{orderId}")).Body!["status"]!);
        Assert.Equal(["order.placed"], (await Logged(orderId)).Select(e => e.Type));
        Assert.Equal(HttpStatusCode.OK, (await Deliver(good)).Status);
    }

    [Fact]
    public async Task A_payment_for_a_cancelled_order_is_refunded_once_and_the_order_ends_Refunded()
    {
        var (orderId, customer) = await PlaceOrder(price: 4m);
        Assert.Equal(HttpStatusCode.OK, (await customer.Post($"/api/orders/{orderId}/cancel")).Status);
        var late = Callback("payment.succeeded", orderId, 4m, "pi_late");

        var first = await Deliver(late);
        var replay = await Deliver(late);
        var refunded = await Deliver(Callback("refund.succeeded", orderId, 4m, "pi_late"));

        Assert.Equal((HttpStatusCode.OK, "refused", "Cancelled"), (first.Status, (string)first.Body!["outcome"]!, (string)first.Body["status"]!));
        Assert.Contains("refund requested", (string)first.Body["detail"]!);
        Assert.Equal(HttpStatusCode.OK, replay.Status);
        Assert.Equal((HttpStatusCode.OK, "Refunded"), (refunded.Status, (string)refunded.Body!["status"]!));
        var events = await Logged(orderId);
        Assert.Equal(["order.placed", "order.cancelled", "order.refund_requested", "order.refunded"], events.Select(e => e.Type));
        var request = events[2].Data;
        Assert.Equal(("pi_late", 4m, "USD"), ((string)request["paymentId"]!, (decimal)request["amount"]!, (string)request["currency"]!));
        Assert.Contains("Cancelled", (string)request["reason"]!);
        var order = (await customer.Get($"/api/orders/{orderId}")).Body!;
        Assert.Null((string?)order["paymentId"]);
        Assert.Equal("Succeeded", (string)order["refunds"]![0]!["status"]!);
        Assert.Equal("payment-provider", (string)order["history"]!.AsArray()[^1]!["actor"]!);
    }

    [Fact]
    public async Task Cancelling_a_paid_order_requests_one_refund_which_stays_owed_until_it_succeeds()
    {
        var (orderId, customer) = await PlaceOrder(price: 6m);
        Assert.Equal(HttpStatusCode.OK, (await Deliver(Callback("payment.succeeded", orderId, 6m, "pi_cancel"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await customer.Post($"/api/orders/{orderId}/cancel")).Status);

        var failed = await Deliver(Callback("refund.failed", orderId, 6m, "pi_cancel"));
        var afterFailure = (await Admin.Get($"/api/orders/{orderId}")).Body!;
        var succeeded = Callback("refund.succeeded", orderId, 6m, "pi_cancel");
        await Deliver(succeeded);
        var replay = await Deliver(succeeded);

        Assert.Equal(HttpStatusCode.OK, failed.Status);
        Assert.Equal(("Cancelled", "Failed"), ((string)afterFailure["status"]!, (string)afterFailure["refunds"]![0]!["status"]!));
        Assert.Equal((HttpStatusCode.OK, "Refunded"), (replay.Status, (string)replay.Body!["status"]!));
        var events = await Logged(orderId);
        Assert.Equal(["order.placed", "order.paid", "order.cancelled", "order.refund_requested", "order.refunded"], events.Select(e => e.Type));
        Assert.Equal(("pi_cancel", 6m), ((string)events[3].Data["paymentId"]!, (decimal)events[3].Data["amount"]!));
    }

    [Fact]
    public async Task A_wrong_amount_or_currency_does_not_pay_the_order_and_is_refunded_while_the_order_still_awaits_payment()
    {
        var (orderId, _) = await PlaceOrder(price: 5m);

        var short_ = await Deliver(Callback("payment.succeeded", orderId, 4.99m, "pi_short"));
        var euros = await Deliver(Callback("payment.succeeded", orderId, 5m, "pi_eur", currency: "EUR"));
        var right = await Deliver(Callback("payment.succeeded", orderId, 5m, "pi_right"));

        Assert.Equal(("refused", "refused", "applied"), ((string)short_.Body!["outcome"]!, (string)euros.Body!["outcome"]!, (string)right.Body!["outcome"]!));
        var requests = (await Logged(orderId)).Where(e => e.Type == "order.refund_requested").ToList();
        Assert.Equal([("pi_short", "USD"), ("pi_eur", "EUR")], requests.Select(r => ((string)r.Data["paymentId"]!, (string)r.Data["currency"]!)));
        Assert.Equal("Paid", (string)(await Admin.Get($"/api/orders/{orderId}")).Body!["status"]!);
    }

    [Fact]
    public async Task Pay_and_the_callback_are_one_path_a_payment_recorded_by_pay_is_not_paid_again_by_its_callback()
    {
        var (orderId, _) = await PlaceOrder(price: 7m);

        var paid = await fixture.Payments.Send(HttpMethod.Post, $"/api/orders/{orderId}/pay", new { amount = 7m, paymentId = "pi_both" }, "pay-" + orderId[..8]);
        var callback = await Deliver(Callback("payment.succeeded", orderId, 7m, "pi_both"));

        Assert.Equal(("Paid", "pi_both"), ((string)paid.Body!["status"]!, (string)paid.Body["paymentId"]!));
        Assert.Equal((HttpStatusCode.OK, "applied"), (callback.Status, (string)callback.Body!["outcome"]!));
        Assert.Equal(["order.placed", "order.paid"], (await Logged(orderId)).Select(e => e.Type));
    }

    [Fact]
    public async Task Malformed_events_are_400_naming_the_field_an_unknown_order_is_404_and_payment_failed_changes_nothing()
    {
        var (orderId, _) = await PlaceOrder(price: 1m);

        var noType = await Deliver(new Signed(NewEventId(), DateTimeOffset.UtcNow, """{"data":{"orderId":"x"}}"""));
        var noAmount = await Deliver(new Signed(NewEventId(), DateTimeOffset.UtcNow, $$$"""{"type":"payment.succeeded","data":{"orderId":"{{{orderId}}}","paymentId":"pi_1"}}"""));
        var noPaymentId = await Deliver(new Signed(NewEventId(), DateTimeOffset.UtcNow, $$$"""{"type":"payment.succeeded","data":{"orderId":"{{{orderId}}}","amount":1}}"""));
        var notJson = await Deliver(new Signed(NewEventId(), DateTimeOffset.UtcNow, "{"));
        var unknown = await Deliver(Callback("payment.succeeded", "no-such-order", 1m, "pi_unknown"));
        var failed = await Deliver(Callback("payment.failed", orderId, 1m, "pi_failed"));

        Assert.True(noType.Problem(HttpStatusCode.BadRequest)["errors"]!["type"] is not null);
        Assert.True(noAmount.Problem(HttpStatusCode.BadRequest)["errors"]!["data.amount"] is not null);
        Assert.True(noPaymentId.Problem(HttpStatusCode.BadRequest)["errors"]!["data.paymentId"] is not null);
        Assert.True(notJson.Problem(HttpStatusCode.BadRequest)["errors"]!["body"] is not null);
        unknown.Problem(HttpStatusCode.NotFound);
        Assert.Equal((HttpStatusCode.OK, "PendingPayment"), (failed.Status, (string)failed.Body!["status"]!));
        Assert.Equal(["order.placed"], (await Logged(orderId)).Select(e => e.Type));
    }

    [Fact]
    public async Task Payments_by_outcome_refunds_and_refused_callbacks_are_counted()
    {
        // Listened to in process rather than scraped: a scrape would be cached and could hide counts from other tests.
        var counted = new ConcurrentBag<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name is "OrderActors" or PaymentCallbacks.Meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
            counted.Add(instrument.Name + string.Concat(tags.ToArray().Select(t => $" {t.Key}={t.Value}"))));
        listener.Start();
        var (orderId, customer) = await PlaceOrder(price: 1m);
        await customer.Post($"/api/orders/{orderId}/cancel");

        await Deliver(Callback("payment.succeeded", orderId, 1m, "pi_counted"));
        await Deliver(Callback("refund.succeeded", orderId, 1m, "pi_counted"));
        await Deliver(Callback("payment.succeeded", orderId, 1m, "pi_forged"), secret: "whsec_" + Convert.ToBase64String(new byte[32]));

        Assert.Contains("orderactors.payments outcome=refunded", counted);
        Assert.Contains("orderactors.refunds.requested", counted);
        Assert.Contains("orderactors.refunds.completed outcome=succeeded", counted);
        Assert.Contains("orderactors.payment_callbacks.received type=refund.succeeded", counted);
        Assert.Contains("orderactors.payment_callbacks.refused reason=signature", counted);
    }

    [Fact]
    public async Task The_documented_signature_recipe_is_what_the_gateway_accepts()
    {
        var (orderId, _) = await PlaceOrder(price: 2m);
        var id = NewEventId();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString();
        var body = $$$"""{"type":"payment.succeeded","data":{"orderId":"{{{orderId}}}","amount":2.00,"currency":"USD","paymentId":"pi_recipe"}}""";

        // README, "Taking payments": base64(HMAC-SHA256(key = base64-decoded secret after whsec_, "{id}.{timestamp}.{body}")).
        var key = Convert.FromBase64String(GatewayFixture.CallbackSecret["whsec_".Length..]);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        var response = await Send(body, [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]);

        Assert.Equal((HttpStatusCode.OK, "Paid"), (response.Status, (string)response.Body!["status"]!));
    }

    [Fact]
    public async Task Without_a_configured_secret_callbacks_are_503_with_retry_after_and_change_nothing()
    {
        var (orderId, _) = await PlaceOrder(price: 1m);
        using var unconfigured = fixture.Gateway.WithWebHostBuilder(web => web.UseSetting("Payments:CallbackSecret", ""));
        using var client = unconfigured.CreateClient();
        var callback = Callback("payment.succeeded", orderId, 1m, "pi_unconfigured");
        using var request = Request(callback.Body, Headers(callback));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("PendingPayment", (string)(await Admin.Get($"/api/orders/{orderId}")).Body!["status"]!);
    }

    /// <summary>A callback as the provider would send it: its event id, when it was signed, and the exact body.</summary>
    private sealed record Signed(string Id, DateTimeOffset At, string Body);

    private static Signed Callback(string type, string orderId, decimal amount, string paymentId, string currency = "USD") =>
        new(NewEventId(), DateTimeOffset.UtcNow, JsonSerializer.Serialize(new { type, data = new { orderId, amount, currency, paymentId } }));

    private static string NewEventId() => "evt_" + Guid.NewGuid().ToString("N");

    private static (string, string)[] Headers(Signed callback, string? secret = null) =>
    [
        ("webhook-id", callback.Id),
        ("webhook-timestamp", callback.At.ToUnixTimeSeconds().ToString()),
        ("webhook-signature", new StandardWebhook(secret ?? GatewayFixture.CallbackSecret).Sign(callback.Id, callback.At, callback.Body)),
    ];

    private Task<(HttpStatusCode Status, JsonNode? Body)> Deliver(Signed callback, string? secret = null) => Send(callback.Body, Headers(callback, secret));

    private async Task<(HttpStatusCode Status, JsonNode? Body)> Send(string body, (string Name, string Value)[] headers)
    {
        using var request = Request(body, headers);
        using var response = await fixture.Anonymous().SendAsync(request);
        return (response.StatusCode, await JsonApi.Read(response));
    }

    private static HttpRequestMessage Request(string body, (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/callbacks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    private async Task<(string OrderId, HttpClient Customer)> PlaceOrder(decimal price, int quantity = 1)
    {
        var sku = await Admin.CreateProduct(price: price);
        var customerId = JsonApi.NewKey("customer");
        var customer = fixture.ClientFor(customerId);
        await customer.Put($"/api/carts/{customerId}/items/{sku}", new { quantity });
        var checkout = await customer.Checkout(customerId);
        Assert.True(checkout.Status == HttpStatusCode.Created, checkout.Body?.ToJsonString());
        return ((string)checkout.Body!["orderId"]!, customer);
    }

    private Task<List<EventLogReader.Event>> Logged(string orderId) => EventLogReader.Logged(fixture.ServiceId, "order", orderId);
}
