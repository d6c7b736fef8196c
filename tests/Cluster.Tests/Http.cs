using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OrderActors.Cluster.Tests;

/// <summary>JSON calls against a gateway process, each returning status and body.</summary>
internal static class Http
{
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> Call(
        this HttpClient client, HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Checkout(this HttpClient client, string customerId, string? idempotencyKey = null) =>
        client.Call(HttpMethod.Post, $"/api/carts/{customerId}/checkout", null, idempotencyKey ?? Guid.NewGuid().ToString());

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Pay(this HttpClient client, string orderId, decimal amount, string? idempotencyKey = null) =>
        client.Call(HttpMethod.Post, $"/api/orders/{orderId}/pay", new { amount }, idempotencyKey ?? Guid.NewGuid().ToString());

    /// <summary>Creates a product with a fresh SKU and returns the SKU.</summary>
    public static async Task<string> CreateProduct(this HttpClient client, int stock, decimal price = 5m)
    {
        var sku = NewKey("sku");
        await client.Call(HttpMethod.Post, "/api/products", new { sku, name = "Lamp", description = "", price, stock }).Expect(HttpStatusCode.Created);
        return sku;
    }

    /// <summary>Puts <paramref name="quantity"/> of <paramref name="sku"/> in a fresh customer's cart and returns the customer id.</summary>
    public static async Task<string> FillCart(this HttpClient client, string sku, int quantity)
    {
        var customer = NewKey("customer");
        await client.Call(HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity }).Expect(HttpStatusCode.OK);
        return customer;
    }

    public static async Task<JsonNode> Expect(this Task<(HttpStatusCode Status, JsonNode? Body)> call, HttpStatusCode expected)
    {
        var (status, body) = await call;
        Assert.True(status == expected, $"Expected {expected}, got {status}: {body?.ToJsonString()}");
        return body ?? new JsonObject();
    }
}
