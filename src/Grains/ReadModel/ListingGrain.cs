using OrderActors.Grains.Abstractions;
using Orleans.Concurrency;

namespace OrderActors.Grains.ReadModel;

/// <summary>Answers listings from the read model; stateless, so every silo runs as many as the load needs.</summary>
[GrainType("listing"), StatelessWorker]
public sealed class ListingGrain(IReadModel readModel) : Grain, IListingGrain
{
    public async Task<Result<Page<ProductSummary>>> SearchProducts(string? query, string? cursor, int limit)
    {
        var invalid = InvalidLimit(limit) ?? (query?.Length > IListingGrain.MaxQueryLength
            ? Error.Invalid("query", $"must be at most {IListingGrain.MaxQueryLength} characters")
            : null);
        if (invalid is not null)
        {
            return invalid;
        }

        return await Guard(() => readModel.SearchProducts(query, cursor, limit, CancellationToken.None));
    }

    public async Task<Result<Page<OrderSummary>>> CustomerOrders(string customerId, string? cursor, int limit)
    {
        var invalid = InvalidLimit(limit) ?? (Identifiers.IsValid(customerId) ? null : Error.Invalid("customerId", Identifiers.Rule));
        if (invalid is not null)
        {
            return invalid;
        }

        return await Guard(() => readModel.CustomerOrders(customerId, cursor, limit, CancellationToken.None));
    }

    private static Error? InvalidLimit(int limit) =>
        limit is < 1 or > IListingGrain.MaxLimit ? Error.Invalid("limit", $"must be between 1 and {IListingGrain.MaxLimit}") : null;

    /// <summary>A cursor that does not decode is the caller's mistake, not a server error.</summary>
    private static async Task<Result<T>> Guard<T>(Func<Task<T>> query)
    {
        try
        {
            return await query();
        }
        catch (FormatException)
        {
            return Error.Invalid("cursor", "is not a cursor this listing returned");
        }
    }
}
