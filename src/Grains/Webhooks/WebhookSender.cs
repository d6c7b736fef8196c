using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OrderActors.Grains.Abstractions;
using StandardWebhooks;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// One attempt at delivering one event: the Standard Webhooks convention (a JSON envelope; <c>webhook-id</c>,
/// <c>webhook-timestamp</c> and <c>webhook-signature</c> headers, HMAC-SHA256 with the subscription's secret).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients)
{
    /// <summary>The named HTTP client, registered by the silo with the configured timeout and no redirects.</summary>
    public const string ClientName = "webhooks";

    /// <summary>
    /// The event's <c>webhook-id</c>: the same on every attempt and replay, different for every event, so a receiver
    /// deduplicates by it. Entity ids never contain ':'.
    /// </summary>
    public static string EventId(LoggedEvent logged) =>
        $"{logged.EntityType}:{logged.EntityId}:{logged.Sequence.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The body: <c>{type, timestamp, data}</c>, data being the feed's view of the event with its data as JSON.</summary>
    public static string Envelope(LoggedEvent logged) => new JsonObject
    {
        ["type"] = logged.Type,
        ["timestamp"] = logged.OccurredAt,
        ["data"] = new JsonObject
        {
            ["entityType"] = logged.EntityType,
            ["entityId"] = logged.EntityId,
            ["sequence"] = logged.Sequence,
            ["position"] = logged.Position,
            ["occurredAt"] = logged.OccurredAt,
            ["actor"] = logged.Actor,
            ["data"] = JsonNode.Parse(logged.Data),
        },
    }.ToJsonString();

    /// <summary>POSTs the event; a 2xx answer delivers it, anything else (status, timeout, connection error) is a failed attempt.</summary>
    public async Task<DeliveryResult> Send(string url, string secret, LoggedEvent logged, CancellationToken cancellationToken)
    {
        var id = EventId(logged);
        var body = Envelope(logged);
        // Signed at each attempt: receivers refuse a timestamp more than a few minutes old.
        var now = DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", new StandardWebhook(secret).Sign(id, now, body));
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode ? DeliveryResult.Delivered : new DeliveryResult(false, $"HTTP {(int)response.StatusCode}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(false, "timeout");
        }
        catch (HttpRequestException exception)
        {
            return new DeliveryResult(false, $"connection failed ({exception.HttpRequestError})");
        }
    }
}

/// <summary>What one attempt came to; <see cref="Error"/> says why it failed, without the answer's body.</summary>
public sealed record DeliveryResult(bool Success, string? Error)
{
    public static readonly DeliveryResult Delivered = new(true, null);
}
