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
}

/// <summary>
/// A reader's place in the log: the event it handled last, by its transaction and position. The log is read in
/// commit order — by transaction, then position — because positions are taken when a row is inserted and
/// transactions commit in any order; a place by position alone could pass an event that commits later.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.log-place")]
public readonly record struct LogPlace([property: Id(0)] ulong Transaction, [property: Id(1)] long Position)
{
    /// <summary>Before the first event.</summary>
    public static readonly LogPlace Start = new(0, 0);

    public static LogPlace Of(LoggedEvent logged) => new(logged.Transaction, logged.Position);
}
