extern alias silo;

using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OrderActors.Grains.Events;
using silo::OrderActors.Silo.Verification;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// A silo and gateway whose event log keeps events for 2 s, trimmed every half second, and whose webhooks give up on
/// an event after four attempts about 1, 2 and 2 s apart.
/// </summary>
public sealed class ShortRetentionFixture : GatewayFixture
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(2);

    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Events:Retention"] = Retention.ToString(),
        ["Events:RetentionInterval"] = "00:00:00.5",
        ["Webhooks:MaxAttempts"] = "4",
        ["Webhooks:FirstRetryDelay"] = "00:00:01",
        ["Webhooks:MaxRetryDelay"] = "00:00:02",
    };
}

/// <summary>
/// The event log's retention: events older than it are deleted once every reader has passed them — never one a
/// webhook subscription has yet to deliver, or holds as a dead letter — and a feed cursor from before them is a 410.
/// </summary>
public sealed class EventRetentionTests(ShortRetentionFixture fixture) : IClassFixture<ShortRetentionFixture>
{
    [Fact]
    public async Task Events_past_the_retention_are_deleted_a_cursor_from_before_them_is_gone_and_the_stored_state_still_verifies()
    {
        using var integration = fixture.ClientFor("warehouse", "integration");
        var fromStart = (string)(await integration.Get("/api/events?limit=100")).Body!["nextCursor"]!;
        var refunds = (string)(await integration.Get("/api/events?types=order.refunded")).Body!["nextCursor"]!;
        var sku = await fixture.Client.CreateProduct(price: 4m);
        var customer = JsonApi.NewKey("customer");
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 1 })).Status);
        var orderId = (string)(await fixture.Client.Checkout(customer)).Body!["orderId"]!;
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Pay(orderId, 4m)).Status);

        await Poll.For(async () =>
        {
            // An integration that reads one type and polls more often than the retention never loses its place: its
            // cursor moves on past the events of other types.
            var page = await integration.Get($"/api/events?types=order.refunded&after={refunds}");
            Assert.Equal(HttpStatusCode.OK, page.Status);
            refunds = (string)page.Body!["nextCursor"]!;
            return (await Stored(sku, orderId)).Count == 0;
        }, "the product's and the order's events deleted");

        var gone = (await integration.Get($"/api/events?after={fromStart}")).Problem(HttpStatusCode.Gone);
        Assert.Contains("Events__Retention", (string)gone["detail"]!);
        Assert.Equal(HttpStatusCode.OK, (await integration.Get("/api/events")).Status);
        Assert.Equal("Paid", (string)(await fixture.Client.Get($"/api/orders/{orderId}")).Body!["status"]!);
        Assert.Empty(await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, fixture.ServiceId, CancellationToken.None));
    }

    [Fact]
    public async Task An_entity_read_back_from_storage_does_not_log_again_the_deleted_events_its_stored_state_carries()
    {
        var sku = await fixture.Client.CreateProduct(); // stored with its product.created in the outbox
        await Poll.For(async () => (await Stored(sku)).Count == 0, "the product's creation deleted");

        await fixture.SiloService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Post($"/api/products/{sku}/stock", new { delta = 5 })).Status);

        Assert.Equal(["product.stock_adjusted"], await Stored(sku));
        Assert.Empty(await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, fixture.ServiceId, CancellationToken.None));
    }

    [Fact]
    public async Task A_webhook_subscription_keeps_the_events_it_has_not_delivered_and_its_dead_letters_until_they_are_delivered()
    {
        using var integration = fixture.ClientFor("erp", "integration");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.AnswerAll(HttpStatusCode.ServiceUnavailable);
        var before = await fixture.Client.CreateProduct();
        var (status, body) = await fixture.Client.Post("/api/admin/webhooks", new { url = receiver.Url, types = new[] { "product.created" } });
        Assert.Equal(HttpStatusCode.Created, status);
        receiver.Secret = (string)body!["secret"]!;
        var webhook = (string)body["id"]!;
        var undelivered = await fixture.Client.CreateProduct();
        var createdAt = DateTimeOffset.UtcNow;

        // Retention runs: an event every reader passed goes; the one the subscription is still trying to send stays,
        // past its age, while it is retried and once it is a dead letter.
        await Poll.For(async () => (await Stored(before)).Count == 0, "the event every reader passed deleted");
        // Past its age already when the deletion above was slow to come: no wait left (a negative delay throws).
        var pastItsAge = createdAt + ShortRetentionFixture.Retention + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        await Task.Delay(pastItsAge > TimeSpan.Zero ? pastItsAge : TimeSpan.Zero);
        Assert.Equal(["product.created"], await Stored(undelivered));
        await Poll.For(async () => (await fixture.Client.Get($"/api/admin/webhooks/{webhook}/dead-letters")).Body!.AsArray().Count == 1, "a dead letter");
        // A later event of the same product that no reader holds goes; the dead letter before it stays.
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Post($"/api/products/{undelivered}/stock", new { delta = 1 })).Status);
        await Poll.For(async () => (await Stored(undelivered)).Count == 2, "the product's later event logged");
        await Poll.For(async () => (await Stored(undelivered)).Count == 1, "the product's later event deleted");
        Assert.Equal(["product.created"], await Stored(undelivered));
        // Kept for its subscription's replay only: the feed serves nothing from before the horizon.
        Assert.Empty(await Logged(integration, undelivered));
        Assert.DoesNotContain(receiver.Received, e => e.Accepted);
        Assert.Empty(await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, fixture.ServiceId, CancellationToken.None));

        receiver.AnswerAll(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Client.Post($"/api/admin/webhooks/{webhook}/dead-letters/replay")).Status);
        await receiver.WaitFor(r => r.Any(e => e.Accepted && e.EntityId == undelivered), Poll.Patience);
        await Poll.For(async () => (await Stored(undelivered)).Count == 0, "the delivered event deleted");
        Assert.Equal(HttpStatusCode.NoContent, (await fixture.Client.Delete($"/api/admin/webhooks/{webhook}")).Status);
    }

    [Theory]
    [InlineData(null, "7.00:00:00")]
    [InlineData("1.00:00:00", "1.00:00:00")]
    [InlineData("", null)]
    public void The_retention_is_a_setting_a_week_unless_set_and_an_empty_one_keeps_every_event(string? setting, string? expected)
    {
        Dictionary<string, string?> settings = setting is null ? [] : new() { ["Events:Retention"] = setting };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().Configure<EventOptions>(configuration.GetSection("Events")).BuildServiceProvider();

        Assert.Equal(expected, services.GetRequiredService<IOptions<EventOptions>>().Value.Retention?.ToString());
    }

    /// <summary>The types of the events the log's table still holds of the given entities, by entity and sequence.</summary>
    private async Task<List<string>> Stored(params string[] entityIds)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT type FROM orderactors_events WHERE service_id = $1 AND entity_id = ANY($2) ORDER BY entity_id, sequence", connection)
        {
            Parameters = { new() { Value = fixture.ServiceId }, new() { Value = entityIds } },
        };
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            types.Add(reader.GetString(0));
        }

        return types;
    }

    /// <summary>The events the feed serves of the given entities, read from its start.</summary>
    private static async Task<List<JsonNode>> Logged(HttpClient integration, params string[] entityIds)
    {
        var events = new List<JsonNode>();
        for (string? cursor = null; ;)
        {
            var (status, page) = await integration.Get($"/api/events?limit=100{(cursor is null ? "" : $"&after={cursor}")}");
            if (status == HttpStatusCode.Gone)
            {
                // Retention passed this read's cursor between two pages: read again from the oldest event kept.
                (events, cursor) = ([], null);
                continue;
            }

            var items = page!["items"]!.AsArray();
            events.AddRange(items.Select(e => e!).Where(e => entityIds.Contains((string)e["entityId"]!)));
            if (items.Count == 0)
            {
                return events;
            }

            cursor = (string)page["nextCursor"]!;
        }
    }
}
