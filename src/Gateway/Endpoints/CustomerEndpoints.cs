using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/customers: what belongs to one customer, answered by <see cref="IListingGrain"/> from the read model.</summary>
public static class CustomerEndpoints
{
    public static IEndpointRouteBuilder MapCustomerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapResource("/api/customers/{customerId}", "Customers").OwnedBy<CustomerOwnerFilter>()
            .MapGet("/orders", Orders).WithName("CustomerOrders").WithSummary("The customer's orders, newest first, a page at a time")
            .Refuses(400, 404);
        return app;
    }

    private static async Task<Results<Ok<Page<OrderSummary>>, ProblemHttpResult>> Orders(
        string customerId, string? cursor, int? limit, IGrainFactory grains) =>
        (await grains.Reference<IListingGrain>(0).CustomerOrders(customerId, cursor, limit ?? IListingGrain.DefaultLimit)).ToOk();
}
