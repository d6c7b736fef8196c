using OrderActors.Grains.Abstractions;
using Serilog;
using Serilog.Events;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// One log line per request: method, route, status and elapsed time, with the request id.
/// Headers, query strings and bodies are never logged, so neither are tokens nor payment details.
/// </summary>
public static class RequestLogging
{
    public static WebApplication UseGatewayRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // The host's own logger: the static Log.Logger is left alone (see SerilogSetup).
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = "HTTP {RequestMethod} {Route} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("Route", (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unmatched)");
                diagnostics.Set(RequestIds.LogProperty, context.TraceIdentifier);
                // The client's address: behind a trusted proxy, the one it forwarded (see ForwardedHeadersSetup).
                diagnostics.Set("ClientAddress", context.Connection.RemoteIpAddress?.ToString());
            };
            // Probes and scrapes every few seconds would drown the log.
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics") ? LogEventLevel.Verbose
                : LogEventLevel.Information;
        });
        return app;
    }
}
