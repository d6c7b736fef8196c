using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Gateway.Hosting;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/events: the event log for integrations, a page at a time, answered by <see cref="IListingGrain"/>.</summary>
public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapResource("/api/events", "Events")
            .MapGet("/", Read).WithName("ReadEvents")
            .WithSummary("Events in log order after the cursor; `types` is a comma-separated list of event types; poll again with nextCursor")
            .RequirePolicy(Policies.Integration).Refuses(400, 410);
        return app;
    }

    private static async Task<Results<Ok<Page<LoggedEvent>>, ProblemHttpResult>> Read(string? after, int? limit, string? types, IGrainFactory grains) =>
        (await grains.Reference<IListingGrain>(0).Events(
            after,
            limit ?? IListingGrain.DefaultLimit,
            types?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])).ToOk();
}
