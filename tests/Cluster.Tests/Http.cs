using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OrderActors.Cluster.Tests;

/// <summary>JSON calls against a gateway process, each returning status and body.</summary>
internal static class Http
{
    public static string NewKey(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<(HttpStatusCode Status, JsonNode? Body)> Call(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static async Task<JsonNode> Expect(this Task<(HttpStatusCode Status, JsonNode? Body)> call, HttpStatusCode expected)
    {
        var (status, body) = await call;
        Assert.True(status == expected, $"Expected {expected}, got {status}: {body?.ToJsonString()}");
        return body ?? new JsonObject();
    }
}
