using Microsoft.Extensions.Logging;

namespace OrderActors.Grains.Webhooks;

/// <summary>Log lines of webhook delivery. Never the URL (it may carry a token), the secret or the payload.</summary>
internal static partial class WebhookLog
{
    [LoggerMessage(LogLevel.Warning,
        "Webhook {SubscriptionId} gave up on event {WebhookId} ({EventType}, log position {Position}) after {Attempts} attempt(s), last: {LastError}; it is a dead letter")]
    public static partial void DeadLettered(ILogger logger, string subscriptionId, string webhookId, string eventType, long position, int attempts, string? lastError);

    [LoggerMessage(LogLevel.Warning, "Webhook {SubscriptionId} dropped {Count} old dead letter(s): it keeps at most {Max}")]
    public static partial void DeadLettersDropped(ILogger logger, string subscriptionId, int count, int max);

    [LoggerMessage(LogLevel.Warning, "Webhook {SubscriptionId} could not replay its dead letters; it retries")]
    public static partial void ReplayStopped(ILogger logger, Exception exception, string subscriptionId);

    [LoggerMessage(LogLevel.Warning, "Webhook {SubscriptionId} dropped replay of event {WebhookId} (log position {Position}): the log no longer holds it")]
    public static partial void ReplayGone(ILogger logger, string subscriptionId, string webhookId, long position);
}
