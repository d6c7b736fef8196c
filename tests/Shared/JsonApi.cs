using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace OrderActors.Tests;

/// <summary>JSON calls against a gateway (in-process or a real process), each returning status and body.</summary>
public static class JsonApi
{
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Sends <paramref name="body"/> as JSON (a string is sent as it is, to test malformed JSON).</summary>
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> Send(
        this HttpClient client, HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body switch
            {
                null => null,
                string raw => new StringContent(raw, Encoding.UTF8, "application/json"),
                _ => JsonContent.Create(body),
            },
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await Read(response));
    }

    public static async Task<JsonNode?> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Checkout(this HttpClient client, string customerId, string? idempotencyKey = null) =>
        client.Send(HttpMethod.Post, $"/api/carts/{customerId}/checkout", null, idempotencyKey ?? Guid.NewGuid().ToString());

    public static Task<(HttpStatusCode Status, JsonNode? Body)> Pay(this HttpClient client, string orderId, decimal amount, string? idempotencyKey = null) =>
        client.Send(HttpMethod.Post, $"/api/orders/{orderId}/pay", new { amount }, idempotencyKey ?? Guid.NewGuid().ToString());
}
