using OpenTelemetry.Metrics;

namespace OrderActors.Hosting;

/// <summary>Metrics for every OrderActors process through OpenTelemetry, scraped as Prometheus text at /metrics.</summary>
public static class TelemetrySetup
{
    /// <summary>Orleans' own meter; silos and clients both publish to it.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>HTTP duration by route and status (ASP.NET Core's meters), Orleans' meter and the given ones.</summary>
    public static IHostApplicationBuilder AddOrderActorsMetrics(this IHostApplicationBuilder builder, params string[] meters)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter(OrleansMeter)
            .AddMeter(meters)
            .AddPrometheusExporter());
        return builder;
    }

    public static IEndpointConventionBuilder MapOrderActorsMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint("/metrics");
}
