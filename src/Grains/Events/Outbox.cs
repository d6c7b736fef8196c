using System.Text.Json;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Events;

/// <summary>
/// The domain events of one entity that have not reached the event log yet. The outbox is part of the entity's state,
/// so an event is stored in the same write as the change that caused it — no event without its change, no change
/// without its event — and the storage query appends the stored events to the log in that same statement (schema 5).
/// Once a write has succeeded, its events are in the log and the entity drops them (<see cref="Write"/>); a write that
/// failed discards the activation, events and change alike.
/// </summary>
[GenerateSerializer, Alias("orderactors.outbox")]
public sealed class Outbox
{
    /// <summary>The sequence number of the entity's last event: each new one takes the next, so consumers can see a gap.</summary>
    [Id(0)] public long LastSequence { get; set; }

    /// <summary>Events not yet known to be in the log, oldest first.</summary>
    [Id(1)] public List<OutboxEvent> Pending { get; set; } = [];

    /// <summary>
    /// The entity's id as the log records it. Kept here because the storage does not always keep the key as text:
    /// Orleans stores a string key that parses as a GUID (an order id) as two numbers.
    /// </summary>
    [Id(2)] public string EntityId { get; set; } = "";

    /// <summary>
    /// Records an event of the change being made now to entity <paramref name="entityId"/>, by the actor of the current
    /// call. Refuses a type <see cref="EventTypes.All"/> does not list: webhooks subscribe by that list, and an event
    /// nobody can subscribe to is a bug to find in the first test that emits it, not in production.
    /// </summary>
    public void Add(string entityId, string type, object data)
    {
        if (!EventTypes.All.Contains(type))
        {
            throw new ArgumentException($"Event type '{type}' is not in EventTypes.All (and docs/events.md).", nameof(type));
        }

        EntityId = entityId;
        Pending.Add(new OutboxEvent
        {
            Sequence = ++LastSequence,
            Type = type,
            At = DateTimeOffset.UtcNow,
            Actor = Actors.Current,
            Data = JsonSerializer.Serialize(data, StoredJson.Options),
        });
    }

    /// <summary>
    /// Forgets the events of a state just read from storage: the write that stored them appended them to the log in
    /// the same statement. Appending them again at the next write would bring back any that retention deleted since.
    /// </summary>
    public void Loaded() => Pending.Clear();

    /// <summary>
    /// Runs the state write that stores the pending events, then drops those it stored. Events added while a grouped
    /// write is in flight may or may not be in it: they stay, and a repeat append is ignored by the log.
    /// </summary>
    public async Task Write(Func<Task> write)
    {
        var count = Pending.Count;
        await write();
        Pending.RemoveRange(0, Math.Min(count, Pending.Count));
        Metrics.EventsAppended.Add(count);
    }
}

/// <summary>One domain event as the outbox stores it and the log receives it.</summary>
[GenerateSerializer, Alias("orderactors.outbox-event")]
public sealed class OutboxEvent
{
    /// <summary>Gap-free per entity, from 1.</summary>
    [Id(0)] public long Sequence { get; set; }

    /// <summary>For example <c>order.paid</c>.</summary>
    [Id(1)] public string Type { get; set; } = "";

    [Id(2)] public DateTimeOffset At { get; set; }

    /// <summary>The token subject that caused it, or <c>system</c>.</summary>
    [Id(3)] public string Actor { get; set; } = "";

    /// <summary>What a consumer needs, as JSON, so it never has to call back.</summary>
    [Id(4)] public string Data { get; set; } = "";
}
