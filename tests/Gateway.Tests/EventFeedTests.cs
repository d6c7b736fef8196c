using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Gateway.Tests;

/// <summary>GET /api/events: integrations page through the event log in log order, each event exactly once.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventFeedTests(GatewayFixture fixture)
{
    [Fact]
    public async Task The_feed_pages_through_every_event_of_a_run_exactly_once_in_log_order()
    {
        using var integration = fixture.ClientFor("warehouse", "integration");
        var start = await EndOf(integration, cursor: null);
        var skus = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var sku = await fixture.Client.CreateProduct(price: 1m);
            await fixture.Client.Put($"/api/products/{sku}", new { name = "Renamed", description = "", price = 2m, currency = "USD" });
            await fixture.Client.Post($"/api/products/{sku}/stock", new { delta = 5 });
            skus.Add(sku);
        }

        var read = new List<JsonNode>();
        for (var cursor = start; ;)
        {
            var page = (await integration.Get($"/api/events?after={cursor}&limit=2")).Body!;
            var items = page["items"]!.AsArray();
            if (items.Count == 0)
            {
                break;
            }

            read.AddRange(items.Select(e => e!));
            cursor = (string)page["nextCursor"]!;
        }

        var positions = read.Select(e => (long)e["position"]!).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Distinct().Count(), positions.Count);
        foreach (var sku in skus)
        {
            var ofSku = read.Where(e => (string)e["entityId"]! == sku).ToList();
            Assert.Equal(["product.created", "product.updated", "product.stock_adjusted"], ofSku.Select(e => (string)e["type"]!));
            Assert.Equal([1L, 2, 3], ofSku.Select(e => (long)e["sequence"]!));
            Assert.Equal(2m, (decimal)JsonNode.Parse((string)ofSku[1]["data"]!)!["product"]!["price"]!);
        }
    }

    [Fact]
    public async Task The_feed_filters_by_type()
    {
        using var integration = fixture.ClientFor("erp", "integration");
        var start = await EndOf(integration, cursor: null);
        var sku = await fixture.Client.CreateProduct();
        await fixture.Client.Delete($"/api/products/{sku}");

        var page = (await integration.Get($"/api/events?after={start}&types=product.deactivated,order.paid&limit=100")).Body!;

        var only = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(("product.deactivated", sku), ((string)only["type"]!, (string)only["entityId"]!));
    }

    [Fact]
    public async Task Only_integrations_and_admins_read_the_feed_and_a_bad_cursor_is_a_400()
    {
        using var customer = fixture.ClientFor(JsonApi.NewKey("customer"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous().Get("/api/events")).Status);
        (await customer.Get("/api/events")).Problem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Get("/api/events?limit=1")).Status);
        Assert.NotNull((await fixture.Client.Get("/api/events?after=bm90LWEtbnVtYmVy")).Problem(HttpStatusCode.BadRequest)["errors"]!["cursor"]);
    }

    /// <summary>The cursor after the last event logged so far.</summary>
    private static async Task<string?> EndOf(HttpClient client, string? cursor)
    {
        while (true)
        {
            var page = (await client.Get($"/api/events?limit=100{(cursor is null ? "" : $"&after={cursor}")}")).Body!;
            cursor = (string)page["nextCursor"]!;
            if (page["items"]!.AsArray().Count == 0)
            {
                return cursor;
            }
        }
    }
}
