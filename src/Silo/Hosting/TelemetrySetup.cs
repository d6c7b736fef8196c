using OrderActors.Grains.Abstractions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace OrderActors.Hosting;

/// <summary>
/// Metrics and traces for every OrderActors process through OpenTelemetry: metrics scraped as Prometheus text at
/// /metrics; traces exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>Orleans' own meter; silos and clients both publish to it.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The standard OpenTelemetry setting (environment variable or configuration key) that turns export on.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Per-request instruments of ASP.NET Core that nothing here reads, each a measurement on every request (a cache hit
    /// costs a few microseconds in all): routing's match attempts, the rate limiter's lease duration and active leases
    /// (its refusals stay: <c>aspnetcore.rate_limiting.requests</c>), and Kestrel's memory-pool rents. Dropped streams are
    /// never enabled, so they cost nothing.
    /// </summary>
    public static readonly IReadOnlyList<string> DroppedInstruments =
    [
        "aspnetcore.routing.match_attempts",
        "aspnetcore.rate_limiting.request_lease.duration",
        "aspnetcore.rate_limiting.active_request_leases",
        "aspnetcore.memory_pool.*",
    ];

    /// <summary>HTTP duration by route and status (ASP.NET Core's meters), Orleans' meter and the given ones.</summary>
    public static IHostApplicationBuilder AddOrderActorsMetrics(this IHostApplicationBuilder builder, params string[] meters)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddAspNetCoreInstrumentation().AddMeter(OrleansMeter).AddMeter(meters).AddPrometheusExporter();
            foreach (var instrument in DroppedInstruments)
            {
                metrics.AddView(instrument, MetricStreamConfiguration.Drop);
            }
        });
        return builder;
    }

    /// <summary>
    /// One trace per HTTP request or reminder tick: the ASP.NET Core span, every grain call it causes (the Orleans
    /// client and silo carry the W3C context in RequestContext once told to with <c>AddActivityPropagation</c>) and
    /// whatever <paramref name="instrument"/> adds (the silo's PostgreSQL statements). Spans are always recorded, so
    /// every log line carries its trace id; they leave the process only when an OTLP endpoint is configured.
    /// </summary>
    public static IHostApplicationBuilder AddOrderActorsTracing(
        this IHostApplicationBuilder builder, string serviceName, Action<TracerProviderBuilder>? instrument = null)
    {
        var export = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new RequestOrReminderRoots()))
                    .AddAspNetCoreInstrumentation(options => options.Filter = http => !IsProbeOrScrape(http.Request.Path))
                    .AddSource(ActivitySources.ApplicationGrainActivitySourceName, ActivitySources.RuntimeActivitySourceName, Traces.SourceName);
                instrument?.Invoke(tracing);
                if (export)
                {
                    // Endpoint, protocol and headers come from the standard OTEL_EXPORTER_OTLP_* settings.
                    tracing.AddOtlpExporter();
                }
            });
        return builder;
    }

    public static IEndpointConventionBuilder MapOrderActorsMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint("/metrics");

    private static bool IsProbeOrScrape(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");

    /// <summary>
    /// Which spans may begin a trace: an HTTP request, or a reminder tick. Everything else without a parent is the
    /// runtime's own background work (membership, the dashboard's polling, the reminder table's reads) and would
    /// bury the requests' traces in noise; children follow their parent's decision (<see cref="ParentBasedSampler"/>).
    /// </summary>
    private sealed class RequestOrReminderRoots : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            new(parameters.Name is "Microsoft.AspNetCore.Hosting.HttpRequestIn" or Traces.DeadlineSweep
                || parameters.Name.StartsWith("IRemindable/", StringComparison.Ordinal)
                ? SamplingDecision.RecordAndSample
                : SamplingDecision.Drop);
    }
}
