using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Events;

/// <summary>The durable event log (the host's PostgreSQL table), as its readers see it.</summary>
public interface IEventLog
{
    /// <summary>
    /// Up to <paramref name="limit"/> events after <paramref name="after"/>, in log order, of the given types (all
    /// when empty). Never an event whose transaction may still commit behind one already returned: a reader that
    /// continues from the place of the last event it got skips nothing.
    /// </summary>
    Task<IReadOnlyList<LoggedEvent>> ReadAfter(LogPlace after, int limit, IReadOnlyList<string> types, CancellationToken cancellationToken);

    /// <summary>The place of the newest event a reader can be served now (<see cref="LogPlace.Start"/> for an empty log).</summary>
    Task<LogPlace> Head(CancellationToken cancellationToken);

    /// <summary>How many events a reader can be served after <paramref name="place"/>: how far behind it is.</summary>
    Task<long> CountAfter(LogPlace place, CancellationToken cancellationToken);

    /// <summary>The event at <paramref name="position"/>, or null if the log has none there (yet).</summary>
    Task<LoggedEvent?> Find(long position, CancellationToken cancellationToken);

    /// <summary>
    /// The place of the newest event retention has deleted (<see cref="LogPlace.Start"/> if none): a reader whose place
    /// is before it has lost events. Only moves forward, and with the deletion that moved it.
    /// </summary>
    Task<LogPlace> Horizon(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes, oldest first, up to <paramref name="limit"/> events at or before <paramref name="through"/> that
    /// happened before <paramref name="before"/>, except those at <paramref name="kept"/>, and moves the horizon past
    /// them in the same statement. Returns how many it deleted.
    /// </summary>
    Task<int> Trim(LogPlace through, DateTimeOffset before, IReadOnlyCollection<long> kept, int limit, CancellationToken cancellationToken);
}
