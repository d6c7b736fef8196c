namespace OrderActors.Grains.Abstractions;

/// <summary>A new subscription as its creator sees it, once: the only answer that carries <see cref="Secret"/>.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.webhook-created")]
public sealed record WebhookCreated(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Types,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] string Secret);

/// <summary>
/// A subscription and how its delivery stands, without its secret. <see cref="Position"/> is the last log position
/// delivered or dead-lettered, <see cref="Lag"/> how many log positions it is behind; <see cref="Failing"/> counts the
/// events waiting for a retry (the next one in the log, and replays).
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.webhook-view")]
public sealed record WebhookView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Types,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] long Position,
    [property: Id(5)] long Lag,
    [property: Id(6)] int Failing,
    [property: Id(7)] DateTimeOffset? NextAttemptAt,
    [property: Id(8)] string? LastError,
    [property: Id(9)] int DeadLetters,
    [property: Id(10)] int Replaying);

/// <summary>
/// An event that was not delivered within the retry policy; <see cref="EventId"/> is its <c>webhook-id</c>. Kept in
/// the subscription's state (the newest ones, up to a bound) until replayed.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.dead-letter")]
public sealed record DeadLetter(
    [property: Id(0)] string EventId,
    [property: Id(1)] long Position,
    [property: Id(2)] string Type,
    [property: Id(3)] string EntityType,
    [property: Id(4)] string EntityId,
    [property: Id(5)] long Sequence,
    [property: Id(6)] DateTimeOffset OccurredAt,
    [property: Id(7)] int Attempts,
    [property: Id(8)] string? LastError,
    [property: Id(9)] DateTimeOffset DeadLetteredAt);

/// <summary>How many dead letters a replay queued for delivery.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.webhook-replay")]
public sealed record WebhookReplay([property: Id(0)] int Queued);
