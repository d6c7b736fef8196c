using OrderActors.Gateway.Hosting;

namespace OrderActors.Gateway.Http;

/// <summary>What every API route shares, declared once so the OpenAPI document lists each route's errors.</summary>
public static class ApiConventions
{
    /// <summary>A resource's route group: route keys checked, the actor named, and 429 (rate limit) and 503 (no silo) documented.</summary>
    public static RouteGroupBuilder MapResource(this IEndpointRouteBuilder app, string prefix, string tag) =>
        app.MapGroup(prefix).WithTags(tag).AddEndpointFilter<RouteKeyFilter>().AddEndpointFilter<ActorFilter>()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>Requires <paramref name="policy"/>; documents 401 (no or bad token) and 403 (wrong role).</summary>
    public static TBuilder RequirePolicy<TBuilder>(this TBuilder builder, string policy) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(policy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>Documents the ProblemDetails statuses a route answers besides success; 400 carries field errors.</summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            if (status == StatusCodes.Status400BadRequest)
            {
                builder.ProducesValidationProblem();
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }

        return builder;
    }

    /// <summary>A customer's resource: signed in, and only their own (the filter answers 404 otherwise).</summary>
    public static RouteGroupBuilder OwnedBy<TFilter>(this RouteGroupBuilder group) where TFilter : IEndpointFilter =>
        group.RequirePolicy(Policies.Customer).AddEndpointFilter<TFilter>();
}
