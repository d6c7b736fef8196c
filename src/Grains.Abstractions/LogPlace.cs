namespace OrderActors.Grains.Abstractions;

/// <summary>
/// A place in the event log: the event a reader handled last, by its transaction and position. The log is read in
/// commit order — by transaction, then position — because positions are taken when a row is inserted and
/// transactions commit in any order; a place by position alone could pass an event that commits later.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.log-place")]
public readonly record struct LogPlace([property: Id(0)] ulong Transaction, [property: Id(1)] long Position) : IComparable<LogPlace>
{
    /// <summary>Before the first event.</summary>
    public static readonly LogPlace Start = new(0, 0);

    public static LogPlace Of(LoggedEvent logged) => new(logged.Transaction, logged.Position);

    public static bool operator <(LogPlace left, LogPlace right) => left.CompareTo(right) < 0;

    public static bool operator >(LogPlace left, LogPlace right) => left.CompareTo(right) > 0;

    public static bool operator <=(LogPlace left, LogPlace right) => left.CompareTo(right) <= 0;

    public static bool operator >=(LogPlace left, LogPlace right) => left.CompareTo(right) >= 0;

    /// <summary>Log order: by transaction, then position.</summary>
    public int CompareTo(LogPlace other) =>
        Transaction != other.Transaction ? Transaction.CompareTo(other.Transaction) : Position.CompareTo(other.Position);
}

/// <summary>
/// What a reader of the log still needs from it: every event after <see cref="Place"/>, and the events at
/// <see cref="Kept"/> (positions it may still deliver, such as a subscription's dead letters). Retention deletes
/// nothing a reader holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("orderactors.log-hold")]
public sealed record LogHold([property: Id(0)] LogPlace Place, [property: Id(1)] long[] Kept);
