using OrderActors.Grains.Abstractions;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Puts the request id that came with a grain call (set by the gateway, carried by Orleans' RequestContext
/// through every further grain call) on each log line the call writes.
/// </summary>
public sealed class RequestIdLogScope(ILogger<RequestIdLogScope> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (RequestContext.Get(RequestIds.Key) is not string requestId)
        {
            await context.Invoke();
            return;
        }

        using (logger.BeginScope(new Dictionary<string, object> { [RequestIds.LogProperty] = requestId }))
        {
            await context.Invoke();
        }
    }
}
