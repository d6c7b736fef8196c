using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.Webhooks;

/// <summary>The persisted state of one webhook subscription; <see cref="LogConsumerState.Place"/> is its place in the log.</summary>
[GenerateSerializer, Alias("orderactors.webhook-state")]
public sealed class WebhookState : LogConsumerState
{
    /// <summary>Whether the subscription exists; false before it is created and after it is deleted.</summary>
    [Id(0)] public bool Subscribed { get; set; }

    /// <summary>The subscription's id, kept in the state so stored data explains itself.</summary>
    [Id(1)] public string Id { get; set; } = "";

    /// <summary>Where events are POSTed.</summary>
    [Id(2)] public string Url { get; set; } = "";

    /// <summary>The event types delivered; all when empty.</summary>
    [Id(3)] public List<string> Types { get; set; } = [];

    /// <summary>The signing secret (<c>whsec_</c> + base64), shown to its creator once.</summary>
    [Id(4)] public string Secret { get; set; } = "";

    [Id(5)] public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The next event of the log while its delivery is failing: the log is not read past it until it is done.</summary>
    [Id(6)] public PendingDelivery? Failing { get; set; }

    /// <summary>Dead letters queued for delivery again, in the order they were replayed.</summary>
    [Id(7)] public List<PendingDelivery> Replays { get; set; } = [];

    /// <summary>Events given up on, oldest first, at most <see cref="WebhookOptions.MaxDeadLetters"/>.</summary>
    [Id(8)] public List<DeadLetter> DeadLetters { get; set; } = [];

    /// <summary>Dead letters dropped because the list was full (the log keeps them for its retention).</summary>
    [Id(9)] public long DeadLettersDropped { get; set; }
}

/// <summary>The attempts at one event so far.</summary>
[GenerateSerializer, Alias("orderactors.pending-delivery")]
public sealed class PendingDelivery
{
    /// <summary>The event's position in the log.</summary>
    [Id(0)] public long Position { get; set; }

    /// <summary>The event's <c>webhook-id</c>.</summary>
    [Id(1)] public string EventId { get; set; } = "";

    [Id(2)] public int Attempts { get; set; }

    /// <summary>When the age limit starts counting: when the event happened, or when it was replayed.</summary>
    [Id(3)] public DateTimeOffset Since { get; set; }

    /// <summary>No attempt before this.</summary>
    [Id(4)] public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>The jitter seed of this event's retry delays.</summary>
    [Id(5)] public int Seed { get; set; }

    /// <summary>Why the last attempt failed (a status or the kind of error; never the answer's body).</summary>
    [Id(6)] public string? LastError { get; set; }
}
