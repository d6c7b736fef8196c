using System.Security.Claims;
using OrderActors.Gateway.Hosting;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Http;

/// <summary>
/// A customer reaches only their own cart and order list: the route's customer id must be the token's subject; admins reach any.
/// Someone else's cart or order list answers 404, so existence is not leaked.
/// </summary>
public sealed class CustomerOwnerFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        return Ownership.IsAdmin(http.User) || Ownership.Subject(http.User) == http.Request.RouteValues["customerId"] as string
            ? await next(context)
            : Ownership.NotFound();
    }
}

/// <summary>
/// A customer reaches only their own orders: the order's customer id (read from the order) must be the token's
/// subject; admins reach any. Someone else's order answers 404, like one that does not exist.
/// </summary>
public sealed class OrderOwnerFilter(IGrainFactory grains) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (Ownership.IsAdmin(http.User))
        {
            return await next(context);
        }

        var order = await grains.Reference<IOrderGrain>((string)http.Request.RouteValues["orderId"]!).Get();
        return order.IsSuccess && order.Value!.CustomerId == Ownership.Subject(http.User)
            ? await next(context)
            : Ownership.NotFound();
    }
}

internal static class Ownership
{
    public static bool IsAdmin(ClaimsPrincipal user) => user.IsInRole(Policies.AdminRole);

    public static string? Subject(ClaimsPrincipal user) => user.FindFirst(Policies.SubjectClaim)?.Value;

    public static IResult NotFound() => Error.NotFound("Not found.").ToProblem();
}
