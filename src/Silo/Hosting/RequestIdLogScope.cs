using OrderActors.Grains.Abstractions;
using Serilog.Context;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Puts the request id that came with a grain call (set by the gateway, carried by Orleans' RequestContext
/// through every further grain call) on each log line the call writes: a property of Serilog's log context (see
/// SerilogSetup), made once per call rather than read out of a logging scope for every line.
/// </summary>
public sealed class RequestIdLogScope : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (RequestContext.Get(RequestIds.Key) is not string requestId)
        {
            await context.Invoke();
            return;
        }

        using (LogContext.PushProperty(RequestIds.LogProperty, requestId))
        {
            await context.Invoke();
        }
    }
}
