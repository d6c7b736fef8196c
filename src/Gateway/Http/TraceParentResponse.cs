using System.Diagnostics;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Returns the request's W3C <c>traceparent</c> (its trace id and the gateway's span) on the response, so a caller
/// can find the trace of any answer; ASP.NET Core reads the incoming one and starts a new trace without it.
/// </summary>
public sealed class TraceParentResponse(RequestDelegate next)
{
    public const string Header = "traceparent";

    public Task InvokeAsync(HttpContext context)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity)
        {
            // OnStarting, because the exception handler clears headers set earlier.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[Header] = activity.Id;
                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
