using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Events;

/// <summary>The durable event log (the host's PostgreSQL table), as its readers see it.</summary>
public interface IEventLog
{
    /// <summary>
    /// Up to <paramref name="limit"/> events after <paramref name="position"/>, in log order, of the given types (all
    /// when empty). Never an event whose transaction may still commit behind one already returned: a reader that
    /// continues from the last position it got skips nothing.
    /// </summary>
    Task<IReadOnlyList<LoggedEvent>> ReadAfter(long position, int limit, IReadOnlyList<string> types, CancellationToken cancellationToken);

    /// <summary>The position of the newest event a reader can be served now (0 for an empty log): how far behind a reader is.</summary>
    Task<long> Head(CancellationToken cancellationToken);
}
