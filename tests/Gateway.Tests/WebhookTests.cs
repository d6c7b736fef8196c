extern alias silo;

using System.Net;
using System.Text.Json.Nodes;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Webhooks;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// A gateway and silo whose webhooks retry fast: first retry after about 0.5 s, six attempts, <see cref="Timeout"/> to
/// answer — long enough that a CI machine starved for a moment does not turn a receiver's prompt answer into a timeout.
/// </summary>
public sealed class FastWebhookRetriesFixture : GatewayFixture
{
    public const int MaxAttempts = 6;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Webhooks:MaxAttempts"] = MaxAttempts.ToString(),
        ["Webhooks:FirstRetryDelay"] = "00:00:00.5",
        ["Webhooks:MaxRetryDelay"] = "00:00:05",
        ["Webhooks:Timeout"] = Timeout.ToString(),
    };
}

/// <summary>
/// Webhooks against a real receiver (Kestrel on loopback, checking signatures with the StandardWebhooks library):
/// delivery in order with stable ids, retries with growing delays, dead letters and their replay, and the admin API.
/// </summary>
public sealed class WebhookTests(FastWebhookRetriesFixture fixture) : IClassFixture<FastWebhookRetriesFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_event_of_an_order_is_delivered_once_per_id_in_sequence_order_and_signed_with_the_subscription_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerNext(2, HttpStatusCode.ServiceUnavailable); // order.placed fails twice: the later events wait for it
        var webhook = await Subscribe(receiver, "order.placed", "order.paid", "order.shipped", "order.delivered");

        var orderId = await PlaceAndDeliverAnOrder();

        await receiver.WaitFor(r => r.Count(e => e.EntityId == orderId && e.Accepted) >= 4, Patience);
        await Task.Delay(TimeSpan.FromSeconds(1)); // room for a duplicate or a stray product event to show
        Assert.All(receiver.Received, e => Assert.True(e.SignatureValid, $"{e.Id} is not signed with the subscription's secret"));
        Assert.Equal([$"order:{orderId}:1", $"order:{orderId}:1"], receiver.Received.Take(2).Select(e => e.Id));
        var ofOrder = receiver.Delivered.Where(e => e.EntityId == orderId).ToList();
        Assert.Equal([1L, 2, 3, 4], ofOrder.Select(e => e.Sequence));
        Assert.Equal(["order.placed", "order.paid", "order.shipped", "order.delivered"], ofOrder.Select(e => e.Type));
        Assert.Equal(new[] { 1L, 2, 3, 4 }.Select(s => $"order:{orderId}:{s}"), ofOrder.Select(e => e.Id));
        Assert.DoesNotContain(receiver.Received, e => e.Type.StartsWith("product.", StringComparison.Ordinal));

        var paid = ofOrder[1];
        Assert.Equal(("order", "admin"), ((string)paid.Data["entityType"]!, (string)paid.Data["actor"]!));
        Assert.Equal("Paid", (string)paid.Data["data"]!["order"]!["status"]!);
        Assert.True((long)paid.Data["position"]! > (long)ofOrder[0].Data["position"]!);
        Assert.NotNull(paid.Body["timestamp"]);
        Assert.Equal(0, (int)(await fixture.Client.Get($"/api/admin/webhooks/{webhook}")).Body!["failing"]!);
        await Unsubscribe(webhook);
    }

    [Fact]
    public async Task A_receiver_that_fails_for_a_while_gets_the_event_again_with_growing_delays_then_has_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerNext(4, HttpStatusCode.InternalServerError);
        receiver.AnswerNext(1, HttpStatusCode.OK, delay: FastWebhookRetriesFixture.Timeout * 2); // past the timeout: a failed attempt
        var webhook = await Subscribe(receiver, "product.deactivated");

        var sku = await fixture.Client.CreateProduct();
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Client.Delete($"/api/products/{sku}")).Status);

        // The receiver records a request when it has answered it, so the hung attempt can be recorded after the next one:
        // wait for all of them, then look at them in the order they arrived.
        var attempts = (await receiver.WaitFor(r => r.Count >= FastWebhookRetriesFixture.MaxAttempts && r.Any(e => e.Accepted), Patience))
            .OrderBy(e => e.At).ToList();
        Assert.Equal(FastWebhookRetriesFixture.MaxAttempts, attempts.Count);
        Assert.All(attempts, e => Assert.Equal($"product:{sku}:2", e.Id));
        Assert.Equal([false, false, false, false, false, true], attempts.Select(e => e.Accepted));
        // Decorrelated jitter around 0.5 s doubling: the 2nd attempt comes within 0.7 s of the 1st; the 5th at least
        // 2.8 s after the 1st and 1.4 s after the 3rd (plus up to one 200 ms poll each, more on a busy machine: the
        // first bound leaves a starved CI machine more than a second of slack).
        var at = attempts.Select(e => e.At - attempts[0].At).ToList();
        Assert.True(at[1] < TimeSpan.FromSeconds(2), $"first retry after {at[1]}");
        Assert.True(at[4] - at[2] > at[1], $"retries at {string.Join(", ", at)} do not wait longer and longer");
        Assert.True(at[4] > TimeSpan.FromSeconds(2.6), $"fifth attempt after {at[4]}");
        Assert.Empty(Body((await fixture.Client.Get($"/api/admin/webhooks/{webhook}/dead-letters")).Body).AsArray());
        await Unsubscribe(webhook);
    }

    [Fact]
    public async Task Past_the_attempt_limit_an_event_is_a_dead_letter_delivery_goes_on_and_a_replay_delivers_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerAll(HttpStatusCode.InternalServerError);
        var webhook = await Subscribe(receiver, "product.deactivated");
        var lost = await fixture.Client.CreateProduct();
        await fixture.Client.Delete($"/api/products/{lost}");
        var lostId = $"product:{lost}:2";

        var deadLetters = await Poll.For(async () => Body((await fixture.Client.Get($"/api/admin/webhooks/{webhook}/dead-letters")).Body).AsArray(),
            list => list.Count > 0, "a dead letter", Patience);
        var deadLetter = Assert.Single(deadLetters)!;
        Assert.Equal((lostId, "product.deactivated", FastWebhookRetriesFixture.MaxAttempts, "HTTP 500"),
            ((string)deadLetter["eventId"]!, (string)deadLetter["type"]!, (int)deadLetter["attempts"]!, (string?)deadLetter["lastError"]));
        Assert.Equal(FastWebhookRetriesFixture.MaxAttempts, receiver.Received.Count(e => e.Id == lostId));
        var line = Assert.Single(fixture.SiloLogs.WithProperty("WebhookId", lostId));
        Assert.Equal(Serilog.Events.LogEventLevel.Warning, line.Level);
        Assert.DoesNotContain(receiver.Url, LogCapture.Render(line));
        var listed = (await fixture.Client.Get("/api/admin/webhooks")).Body!.AsArray().Single(w => (string)w!["id"]! == webhook)!;
        Assert.Equal(1, (int)listed["deadLetters"]!);
        using var silo = new HttpClient { BaseAddress = fixture.SiloAddress };
        var metrics = (await silo.GetStringAsync("/metrics")).Split('\n');
        Assert.Contains(metrics, m => m.StartsWith("orderactors_webhooks_deliveries_total{", StringComparison.Ordinal) &&
                                      m.Contains("outcome=\"dead_lettered\"") && m.Contains($"subscription=\"{webhook}\""));
        Assert.Contains(metrics, m => m.StartsWith("orderactors_webhooks_dead_letters{", StringComparison.Ordinal) && m.Contains(webhook) && m.EndsWith(" 1"));

        receiver.AnswerAll(HttpStatusCode.OK);
        var next = await fixture.Client.CreateProduct();
        await fixture.Client.Delete($"/api/products/{next}");
        await receiver.WaitFor(r => r.Any(e => e.Accepted && e.EntityId == next), Patience);

        var replay = await fixture.Client.Post($"/api/admin/webhooks/{webhook}/dead-letters/replay", new { eventId = lostId });
        Assert.Equal((HttpStatusCode.Accepted, 1), (replay.Status, (int)replay.Body!["queued"]!));
        var redelivered = await receiver.WaitFor(r => r.Any(e => e.Accepted && e.Id == lostId), Patience);
        Assert.True(redelivered.Single(e => e.Accepted && e.Id == lostId).SignatureValid);
        Assert.Empty(Body((await fixture.Client.Get($"/api/admin/webhooks/{webhook}/dead-letters")).Body).AsArray());
        (await fixture.Client.Post($"/api/admin/webhooks/{webhook}/dead-letters/replay", new { eventId = lostId })).Problem(HttpStatusCode.NotFound);
        await Unsubscribe(webhook);
    }

    [Fact]
    public async Task The_secret_is_shown_only_when_subscribing_and_a_deleted_subscription_delivers_nothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await fixture.Client.Post("/api/admin/webhooks", new { url = receiver.Url, types = new[] { "product.created" } });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = (string)created.Body!["id"]!;
        var secret = (string)created.Body["secret"]!;
        Assert.StartsWith("whsec_", secret);
        Assert.True(Convert.FromBase64String(secret["whsec_".Length..]).Length >= 24);
        Assert.Equal([receiver.Url, "product.created"], [(string)created.Body["url"]!, (string)created.Body["types"]![0]!]);

        var one = await fixture.Client.Get($"/api/admin/webhooks/{id}");
        var all = await fixture.Client.Get("/api/admin/webhooks");
        Assert.Equal(HttpStatusCode.OK, one.Status);
        Assert.Contains(all.Body!.AsArray(), w => (string)w!["id"]! == id);
        Assert.DoesNotContain(secret["whsec_".Length..], one.Body!.ToJsonString() + all.Body.ToJsonString());
        Assert.Null(one.Body["secret"]);

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Client.Delete($"/api/admin/webhooks/{id}")).Status);
        (await fixture.Client.Get($"/api/admin/webhooks/{id}")).Problem(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await fixture.Client.Get("/api/admin/webhooks")).Body!.AsArray(), w => (string)w!["id"]! == id);
        receiver.Secret = secret;
        await fixture.Client.CreateProduct();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task The_admin_api_refuses_bad_input_unknown_ids_customers_and_anonymous_callers()
    {
        using var customer = fixture.ClientFor(JsonApi.NewKey("customer"));
        var good = new { url = "https://example.test/hooks", types = Array.Empty<string>() };

        foreach (var url in new[] { "ftp://example.test/x", "/relative", "not a url", "" })
        {
            Assert.NotNull((await fixture.Client.Post("/api/admin/webhooks", new { url })).Problem(HttpStatusCode.BadRequest)["errors"]!["url"]);
        }

        Assert.NotNull((await fixture.Client.Post("/api/admin/webhooks", new { })).Problem(HttpStatusCode.BadRequest)["errors"]!["url"]);
        var unknown = (await fixture.Client.Post("/api/admin/webhooks", new { url = good.url, types = new[] { "order.paid", "order.lost" } }))
            .Problem(HttpStatusCode.BadRequest);
        Assert.Contains("order.lost", (string)unknown["errors"]!["types"]![0]!);
        var tooMany = Enumerable.Repeat("order.paid", 21).ToArray();
        Assert.NotNull((await fixture.Client.Post("/api/admin/webhooks", new { url = good.url, types = tooMany })).Problem(HttpStatusCode.BadRequest)["errors"]!["types"]);

        var missing = "wh_" + Guid.NewGuid().ToString("N");
        (await fixture.Client.Get($"/api/admin/webhooks/{missing}")).Problem(HttpStatusCode.NotFound);
        (await fixture.Client.Delete($"/api/admin/webhooks/{missing}")).Problem(HttpStatusCode.NotFound);
        (await fixture.Client.Get($"/api/admin/webhooks/{missing}/dead-letters")).Problem(HttpStatusCode.NotFound);
        (await fixture.Client.Post($"/api/admin/webhooks/{missing}/dead-letters/replay")).Problem(HttpStatusCode.NotFound);

        (await customer.Post("/api/admin/webhooks", good)).Problem(HttpStatusCode.Forbidden);
        (await customer.Get("/api/admin/webhooks")).Problem(HttpStatusCode.Forbidden);
        (await fixture.Anonymous().Post("/api/admin/webhooks", good)).Problem(HttpStatusCode.Unauthorized);
        (await fixture.Anonymous().Get($"/api/admin/webhooks/{missing}/dead-letters")).Problem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void A_subscriptions_delivery_state_survives_the_storage_format()
    {
        var state = new WebhookState
        {
            Place = new LogPlace(1234, 41), Subscribed = true, Id = "wh_1", Url = "https://example.test/h", Types = ["order.paid"], Secret = "whsec_c2VjcmV0",
            CreatedAt = DateTimeOffset.UnixEpoch, DeadLettersDropped = 3,
            Failing = new PendingDelivery { Position = 42, EventId = "order:o:2", Attempts = 2, Since = DateTimeOffset.UnixEpoch, NextAttemptAt = DateTimeOffset.UnixEpoch.AddMinutes(1), Seed = 7, LastError = "HTTP 500" },
            Replays = [new PendingDelivery { Position = 9, EventId = "order:o:1", Seed = 8 }],
            DeadLetters = [new DeadLetter("order:o:1", 9, "order.placed", "order", "o", 1, DateTimeOffset.UnixEpoch, 15, "timeout", DateTimeOffset.UnixEpoch)],
        };
        var serializer = new StateJsonSerializer();

        var stored = serializer.Deserialize<WebhookState>(serializer.Serialize(state));

        Assert.Equal(serializer.Serialize(state).ToString(), serializer.Serialize(stored).ToString());
        Assert.Equal((42L, 2, 7, "HTTP 500"), (stored.Failing!.Position, stored.Failing.Attempts, stored.Failing.Seed, stored.Failing.LastError));
        Assert.Equal(state.DeadLetters, stored.DeadLetters);
        Assert.Equal((new LogPlace(1234, 41), "order:o:1", 3L), (stored.Place, stored.Replays.Single().EventId, stored.DeadLettersDropped));
    }

    /// <summary>Subscribes the receiver and hands it the secret; returns the subscription's id.</summary>
    private async Task<string> Subscribe(WebhookReceiver receiver, params string[] types)
    {
        var (status, body) = await fixture.Client.Post("/api/admin/webhooks", new { url = receiver.Url, types });
        Assert.Equal(HttpStatusCode.Created, status);
        receiver.Secret = (string)body!["secret"]!;
        return (string)body["id"]!;
    }

    private async Task Unsubscribe(string webhook) =>
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Client.Delete($"/api/admin/webhooks/{webhook}")).Status);

    /// <summary>An order placed, paid, shipped and delivered by the admin; its id.</summary>
    private async Task<string> PlaceAndDeliverAnOrder()
    {
        var sku = await fixture.Client.CreateProduct(price: 3m);
        var customer = JsonApi.NewKey("customer");
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 })).Status);
        var orderId = (string)(await fixture.Client.Checkout(customer)).Body!["orderId"]!;
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Pay(orderId, 6m)).Status);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Post($"/api/orders/{orderId}/ship")).Status);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Post($"/api/orders/{orderId}/deliver")).Status);
        return orderId;
    }

    private static JsonNode Body(JsonNode? body) => body ?? throw new InvalidOperationException("no body");
}
