using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Names who is acting — the token's subject — in Orleans' RequestContext, so every change the request causes in any
/// grain records it (order history, events). Anonymous requests leave it unset: grains then record <c>system</c>.
/// </summary>
public sealed class ActorFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Ownership.Subject(context.HttpContext.User) is { } subject)
        {
            RequestContext.Set(Actors.Key, subject);
        }

        return next(context);
    }
}
