using Microsoft.AspNetCore.Diagnostics;
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
    /// <summary>
    /// The least severe request line written (configuration <c>RequestLog:MinimumLevel</c>): <c>Information</c> writes
    /// every request; <c>Error</c> only those that failed with 5xx, and the others' lines are not even built.
    /// </summary>
    public const string MinimumLevelSetting = "RequestLog:MinimumLevel";

    public static WebApplication UseGatewayRequestLogging(this WebApplication app)
    {
        // The host's own logger (the static Log.Logger is left alone, see SerilogSetup); raised to the configured level
        // through a logger of its own, so that everything else keeps the host's levels.
        var host = app.Services.GetRequiredService<Serilog.ILogger>();
        var minimum = app.Configuration.GetValue(MinimumLevelSetting, LogEventLevel.Information);
        var logger = minimum <= LogEventLevel.Information ? host : new LoggerConfiguration().MinimumLevel.Is(minimum).WriteTo.Logger(host).CreateLogger();
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = logger;
            options.MessageTemplate = "HTTP {RequestMethod} {Route} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("Route", Route(context));
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

    /// <summary>
    /// The route the request matched. The exception handler clears the endpoint before it writes its answer (a 503 when
    /// the cluster or storage is away), so for those the route is the one its feature kept.
    /// </summary>
    private static string Route(HttpContext context) =>
        ((context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint) as RouteEndpoint)?.RoutePattern.RawText
        ?? "(unmatched)";
}
