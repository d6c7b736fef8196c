using System.Globalization;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;
using Orleans.Concurrency;

namespace OrderActors.Grains.ReadModel;

/// <summary>Answers listings from the read model; stateless, so every silo runs as many as the load needs.</summary>
[GrainType("listing"), StatelessWorker]
public sealed class ListingGrain(IReadModel readModel, IEventLog eventLog) : Grain, IListingGrain
{
    public async Task<Result<Page<ProductSummary>>> SearchProducts(string? query, string? cursor, int limit)
    {
        var invalid = InvalidLimit(limit) ?? InvalidCursor(cursor) ?? (query?.Length > IListingGrain.MaxQueryLength
            ? Error.Invalid("query", $"must be at most {IListingGrain.MaxQueryLength} characters")
            : StorableText.IsValid(query) ? null : Error.Invalid("query", StorableText.Rule));
        if (invalid is not null)
        {
            return invalid;
        }

        return await Guard(() => readModel.SearchProducts(query, cursor, limit, CancellationToken.None));
    }

    public async Task<Result<Page<OrderSummary>>> CustomerOrders(string customerId, string? cursor, int limit)
    {
        var invalid = InvalidLimit(limit) ?? InvalidCursor(cursor) ??
                      (Identifiers.IsValid(customerId) ? null : Error.Invalid("customerId", Identifiers.Rule));
        if (invalid is not null)
        {
            return invalid;
        }

        return await Guard(() => readModel.CustomerOrders(customerId, cursor, limit, CancellationToken.None));
    }

    public async Task<Result<Page<LoggedEvent>>> Events(string? cursor, int limit, IReadOnlyList<string> types)
    {
        var invalid = InvalidLimit(limit) ?? InvalidCursor(cursor) ??
                      (types.All(t => t.Length <= 64 && StorableText.IsValid(t)) ? null : Error.Invalid("types", "each type is at most 64 characters of text"));
        if (invalid is not null)
        {
            return invalid;
        }

        return await Guard<Page<LoggedEvent>>(async () =>
        {
            var after = cursor is null ? LogPlace.Start : DecodePlace(Cursors.Decode(cursor));
            var page = await eventLog.ReadAfter(after, limit, types, CancellationToken.None);
            var events = page.Events;
            if (cursor is not null && after < page.Horizon)
            {
                return Error.Gone("Events after this cursor were deleted: the log keeps events for Events__Retention. " +
                                  "Start again without `after`, from the oldest event kept.");
            }

            // Always a cursor: an integration keeps polling from where it is, whether or not this page was full. A page
            // that is not full holds every event of its types up to the log's end, so its cursor goes there.
            var last = events.Count == limit ? LogPlace.Of(events[^1]) : page.End;
            return new Page<LoggedEvent>(events, Cursors.Encode(string.Create(CultureInfo.InvariantCulture, $"{last.Transaction}.{last.Position}")));
        });
    }

    /// <summary>An event cursor is the place of the page's last event: its transaction and position.</summary>
    private static LogPlace DecodePlace(string key) =>
        key.Split('.') is [var transaction, var position]
        && ulong.TryParse(transaction, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
        && long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var p)
            ? new LogPlace(t, p)
            : throw new FormatException("Not an event log cursor.");

    private static Error? InvalidLimit(int limit) =>
        limit is < 1 or > IListingGrain.MaxLimit ? Error.Invalid("limit", $"must be between 1 and {IListingGrain.MaxLimit}") : null;

    private static Error? InvalidCursor(string? cursor) =>
        StorableText.IsValid(cursor) ? null : BadCursor();

    private static Error BadCursor() => Error.Invalid("cursor", "is not a cursor this listing returned");

    /// <summary>A cursor that does not decode (or decodes to text PostgreSQL cannot hold) is the caller's mistake, not a server error.</summary>
    private static Task<Result<T>> Guard<T>(Func<Task<T>> query) => Guard<T>(async () => (Result<T>)await query());

    private static async Task<Result<T>> Guard<T>(Func<Task<Result<T>>> query)
    {
        try
        {
            return await query();
        }
        catch (FormatException)
        {
            return BadCursor();
        }
    }
}
