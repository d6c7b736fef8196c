using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Cluster.Tests;

/// <summary>JSON calls against a gateway process, each returning status and body.</summary>
internal static class Http
{
    /// <summary>Creates a product with a fresh SKU and returns the SKU.</summary>
    public static async Task<string> CreateProduct(this HttpClient client, int stock, decimal price = 5m)
    {
        var sku = JsonApi.NewKey("sku");
        await client.Send(HttpMethod.Post, "/api/products", new { sku, name = "Lamp", description = "", price, stock }).Expect(HttpStatusCode.Created);
        return sku;
    }

    /// <summary>Puts <paramref name="quantity"/> of <paramref name="sku"/> in a fresh customer's cart and returns the customer id.</summary>
    public static async Task<string> FillCart(this HttpClient client, string sku, int quantity)
    {
        var customer = JsonApi.NewKey("customer");
        await client.Send(HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity }).Expect(HttpStatusCode.OK);
        return customer;
    }

    public static async Task<JsonNode> Expect(this Task<(HttpStatusCode Status, JsonNode? Body)> call, HttpStatusCode expected)
    {
        var (status, body) = await call;
        Assert.True(status == expected, $"Expected {expected}, got {status}: {body?.ToJsonString()}");
        return body ?? new JsonObject();
    }
}
