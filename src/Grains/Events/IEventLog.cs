using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Events;

/// <summary>The durable event log (the host's PostgreSQL table), as its readers see it.</summary>
public interface IEventLog
{
    /// <summary>
    /// Up to <paramref name="limit"/> events after <paramref name="after"/> — or after the horizon, if that is later —
    /// in log order, of the given types (all when empty). Never an event whose transaction may still commit behind one
    /// already returned: a reader that continues from the place of the last event it got skips nothing.
    /// </summary>
    Task<LogPage> ReadAfter(LogPlace after, int limit, IReadOnlyList<string> types, CancellationToken cancellationToken);

    /// <summary>The place of the newest event a reader can be served now (<see cref="LogPlace.Start"/> for an empty log).</summary>
    Task<LogPlace> Head(CancellationToken cancellationToken);

    /// <summary>How many events a reader can be served after <paramref name="place"/>: how far behind it is.</summary>
    Task<long> CountAfter(LogPlace place, CancellationToken cancellationToken);

    /// <summary>The event at <paramref name="position"/>, or null if the log has none there (yet).</summary>
    Task<LoggedEvent?> Find(long position, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes, oldest first, up to <paramref name="limit"/> events at or before <paramref name="through"/> that
    /// happened before <paramref name="before"/>, except those at <paramref name="kept"/>, and moves the horizon past
    /// them in the same statement. Returns how many it deleted.
    /// </summary>
    Task<int> Trim(LogPlace through, DateTimeOffset before, IReadOnlyCollection<long> kept, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// A page of the log, as one snapshot saw it. <see cref="End"/>: the newest place any reader could be served then,
/// whatever its type — a page shorter than asked for holds every event of its types up to it, so a reader of some
/// types only may go on from there, past the events it does not read, and skips nothing. <see cref="Horizon"/>: the
/// newest event retention had deleted (<see cref="LogPlace.Start"/> if none); a reader whose place is before it has
/// lost events. Events at or before it that are still kept (a subscription's dead letters) are found by position only.
/// </summary>
public sealed record LogPage(IReadOnlyList<LoggedEvent> Events, LogPlace End, LogPlace Horizon);
