using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Gateway.Tests;

/// <summary>Small helpers for talking JSON to the gateway and reading ProblemDetails back.</summary>
public static class Api
{
    public static Task<(HttpStatusCode Status, JsonNode? Body)> Get(this HttpClient client, string path) => client.Send(HttpMethod.Get, path);

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Post(this HttpClient client, string path, object? body = null) =>
        client.Send(HttpMethod.Post, path, body ?? new { });

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Put(this HttpClient client, string path, object body) => client.Send(HttpMethod.Put, path, body);

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Delete(this HttpClient client, string path) => client.Send(HttpMethod.Delete, path);

    public static async Task<string> CreateProduct(this HttpClient client, decimal price = 10m, int stock = 100, string currency = "USD", string? sku = null)
    {
        sku ??= JsonApi.NewKey("sku");
        var (status, _) = await client.Post("/api/products", new { sku, name = "Thing", description = "", price, currency, stock });
        Assert.Equal(HttpStatusCode.Created, status);
        return sku;
    }

    /// <summary>Reads a 200 until <paramref name="done"/> holds or <paramref name="patience"/> passes; returns the last body either way.</summary>
    public static Task<JsonNode> ReadUntil(this HttpClient client, string path, Func<JsonNode, bool> done, TimeSpan patience) =>
        Poll.Until(async () =>
        {
            var (status, body) = await client.Get(path);
            Assert.Equal(HttpStatusCode.OK, status);
            return body!;
        }, done, patience);

    /// <summary>Asserts a ProblemDetails body with the given status.</summary>
    public static JsonNode Problem(this (HttpStatusCode Status, JsonNode? Body) response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.Status);
        Assert.Equal((int)expected, (int)response.Body!["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)response.Body["title"]));
        return response.Body;
    }
}
