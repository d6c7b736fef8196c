using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Cluster.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task A_walk_through_the_api_gives_the_documented_answers_and_survives_a_restart_of_every_process()
    {
        await using var cluster = new ProcessCluster();
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        var api = cluster.Api;

        var keyboard = JsonApi.NewKey("kbd");
        var mouse = JsonApi.NewKey("mouse");
        await api.Send(HttpMethod.Post, "/api/products", new { sku = keyboard, name = "Keyboard", description = "Mechanical", price = 49.90m, stock = 10 }).Expect(HttpStatusCode.Created);
        await api.Send(HttpMethod.Post, "/api/products", new { sku = mouse, name = "Mouse", description = "", price = 19.95m, currency = "USD", stock = 2 }).Expect(HttpStatusCode.Created);

        var alice = JsonApi.NewKey("alice");
        await api.Send(HttpMethod.Put, $"/api/carts/{alice}/items/{keyboard}", new { quantity = 2 }).Expect(HttpStatusCode.OK);
        var aliceCart = await api.Send(HttpMethod.Put, $"/api/carts/{alice}/items/{mouse}", new { quantity = 1 }).Expect(HttpStatusCode.OK);
        Assert.Equal(119.75m, (decimal)aliceCart["total"]!);
        var delivered = (string)(await api.Checkout(alice).Expect(HttpStatusCode.Created))["orderId"]!;
        await api.Pay(delivered, 119.75m).Expect(HttpStatusCode.OK);
        await api.Send(HttpMethod.Post, $"/api/orders/{delivered}/ship").Expect(HttpStatusCode.OK);
        await api.Send(HttpMethod.Post, $"/api/orders/{delivered}/deliver").Expect(HttpStatusCode.OK);

        var bob = JsonApi.NewKey("bob");
        await api.Send(HttpMethod.Put, $"/api/carts/{bob}/items/{keyboard}", new { quantity = 3 }).Expect(HttpStatusCode.OK);
        var cancelled = (string)(await api.Checkout(bob).Expect(HttpStatusCode.Created))["orderId"]!;
        await api.Send(HttpMethod.Post, $"/api/orders/{cancelled}/cancel").Expect(HttpStatusCode.OK);

        var carol = JsonApi.NewKey("carol");
        await api.Send(HttpMethod.Put, $"/api/carts/{carol}/items/{mouse}", new { quantity = 2 }).Expect(HttpStatusCode.OK);
        var refused = await api.Checkout(carol).Expect(HttpStatusCode.Conflict);
        Assert.Equal(1, (int)refused["shortages"]![0]!["available"]!);

        var dave = JsonApi.NewKey("dave");
        await api.Send(HttpMethod.Put, $"/api/carts/{dave}/items/{keyboard}", new { quantity = 1 }).Expect(HttpStatusCode.OK);
        var pending = (string)(await api.Checkout(dave).Expect(HttpStatusCode.Created))["orderId"]!;

        string[] paths =
        [
            $"/api/products/{keyboard}", $"/api/products/{mouse}", $"/api/orders/{delivered}", $"/api/orders/{cancelled}",
            $"/api/orders/{pending}", $"/api/carts/{alice}", $"/api/carts/{carol}",
        ];
        var before = await Snapshot(api, paths);
        Assert.Equal((8, 1, 7), Stock(before[0]));
        Assert.Equal((1, 0, 1), Stock(before[1]));
        Assert.Equal("Delivered", (string)before[2]["status"]!);
        Assert.Equal("Cancelled", (string)before[3]["status"]!);
        Assert.Equal("PendingPayment", (string)before[4]["status"]!);

        await cluster.StopAllAsync();
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();

        var after = await Snapshot(api, paths);
        Assert.Equal(before.Select(b => b.ToJsonString()), after.Select(a => a.ToJsonString()));
    }

    private static async Task<JsonNode[]> Snapshot(HttpClient api, string[] paths) =>
        await Task.WhenAll(paths.Select(p => api.Send(HttpMethod.Get, p).Expect(HttpStatusCode.OK)));

    private static (int OnHand, int Reserved, int Available) Stock(JsonNode product) =>
        ((int)product["onHand"]!, (int)product["reserved"]!, (int)product["available"]!);
}
