using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OrderActors.Gateway.Tests;

/// <summary>Small helpers for talking JSON to the gateway and reading ProblemDetails back.</summary>
public static class Api
{
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> Send(
        this HttpClient client, HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, System.Text.Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await Read(response));
    }

    public static async Task<JsonNode?> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Get(this HttpClient client, string path) => client.Send(HttpMethod.Get, path);

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Post(this HttpClient client, string path, object? body = null) =>
        client.Send(HttpMethod.Post, path, body ?? new { });

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Checkout(this HttpClient client, string customerId, string? idempotencyKey = null) =>
        client.Send(HttpMethod.Post, $"/api/carts/{customerId}/checkout", new { }, idempotencyKey ?? Guid.NewGuid().ToString());

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Pay(this HttpClient client, string orderId, decimal amount, string? idempotencyKey = null) =>
        client.Send(HttpMethod.Post, $"/api/orders/{orderId}/pay", new { amount }, idempotencyKey ?? Guid.NewGuid().ToString());

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Put(this HttpClient client, string path, object body) => client.Send(HttpMethod.Put, path, body);

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Delete(this HttpClient client, string path) => client.Send(HttpMethod.Delete, path);

    public static async Task<string> CreateProduct(this HttpClient client, decimal price = 10m, int stock = 100, string currency = "USD")
    {
        var sku = NewKey("sku");
        var (status, _) = await client.Post("/api/products", new { sku, name = "Thing", description = "", price, currency, stock });
        Assert.Equal(HttpStatusCode.Created, status);
        return sku;
    }

    /// <summary>Asserts a ProblemDetails body with the given status.</summary>
    public static JsonNode Problem(this (HttpStatusCode Status, JsonNode? Body) response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.Status);
        Assert.Equal((int)expected, (int)response.Body!["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)response.Body["title"]));
        return response.Body;
    }
}
