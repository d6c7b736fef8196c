using Orleans.Concurrency;

namespace OrderActors.Grains.Abstractions;

/// <summary>
/// One webhook subscription, keyed by its id: it reads the event log after its own place and POSTs each event of its
/// types to its URL, signed, in log order, retrying a failed one before moving on (so in order per entity).
/// </summary>
[Alias("orderactors.IWebhookGrain")]
public interface IWebhookGrain : ILogConsumerGrain
{
    public const int MaxTypes = 20;
    public const int MaxUrlLength = 2000;

    /// <summary>
    /// Subscribes <paramref name="url"/> (absolute http or https) to <paramref name="types"/> (known event types, at most
    /// <see cref="MaxTypes"/>; none means all), from the end of the log on; the answer holds the signing secret, which
    /// no later answer shows. Refuses bad input (Invalid) and an id already in use (Conflict).
    /// </summary>
    [Alias("create")]
    Task<Result<WebhookCreated>> Create(string? url, IReadOnlyList<string>? types);

    /// <summary>The subscription and its delivery state; NotFound if there is none. Answers even while a delivery is in flight.</summary>
    [SafeToRetry]
    [Alias("get"), AlwaysInterleave]
    Task<Result<WebhookView>> Get();

    /// <summary>The dead letters, oldest first; NotFound if there is no subscription.</summary>
    [SafeToRetry]
    [Alias("dead-letters"), AlwaysInterleave]
    Task<Result<IReadOnlyList<DeadLetter>>> DeadLetters();

    /// <summary>
    /// Queues dead letters for delivery again, durably, each with a fresh retry budget: all of them, or the one whose
    /// event id is <paramref name="eventId"/> (NotFound if it is not a dead letter here).
    /// </summary>
    [Alias("replay")]
    Task<Result<WebhookReplay>> Replay(string? eventId);

    /// <summary>Ends the subscription: nothing more is delivered. NotFound if there is none.</summary>
    [Alias("delete")]
    Task<Result<Done>> Delete();
}
