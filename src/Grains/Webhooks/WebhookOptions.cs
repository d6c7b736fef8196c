using Polly.Contrib.WaitAndRetry;

namespace OrderActors.Grains.Webhooks;

/// <summary>
/// Webhook delivery and its retry policy, bound from the <c>Webhooks</c> configuration section. The defaults keep a
/// receiver that is down for half an hour from losing anything: 15 attempts over 30 to 45 minutes.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Attempts at one event before it becomes a dead letter.</summary>
    public int MaxAttempts { get; set; } = 15;

    /// <summary>An event whose attempt fails this long after it happened (or was replayed) becomes a dead letter at once.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The median delay before the first retry; later ones double, jittered.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>No retry waits longer than this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one attempt may take, answer included; longer is a failed attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many dead letters a subscription keeps; past that the oldest are dropped (counted; the log keeps them for its retention).</summary>
    public int MaxDeadLetters { get; set; } = 1000;

    /// <summary>
    /// The wait after failed attempt number <paramref name="attempts"/>: Polly's decorrelated jitter, capped. One event
    /// keeps one <paramref name="seed"/>, so its waits are one jittered series that grows however often the grain
    /// holding it is reactivated.
    /// </summary>
    public TimeSpan RetryDelay(int attempts, int seed)
    {
        var delay = Backoff.DecorrelatedJitterBackoffV2(FirstRetryDelay, retryCount: attempts, seed: seed).Last();
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }
}
