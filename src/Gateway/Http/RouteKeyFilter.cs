using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Http;

/// <summary>Refuses a request whose route keys (SKU, customer id, order id) break the identifier rule, before any grain is touched.</summary>
public sealed class RouteKeyFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var (name, value) in context.HttpContext.Request.RouteValues)
        {
            if (!Identifiers.IsValid(value as string))
            {
                return ResultHttp.Invalid(name, Identifiers.Rule);
            }
        }

        return await next(context);
    }
}
