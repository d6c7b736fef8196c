using System.Text.Json.Serialization;
using OrderActors.Gateway.Http;
using OrderActors.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Registration of the gateway: an Orleans client, JSON, ProblemDetails, the edge (forwarded headers, security headers,
/// HTTPS, CORS), authentication, rate limits, API docs, probes, logging, metrics and a bounded graceful shutdown.
/// </summary>
public static class GatewayHostingExtensions
{
    public static IHostApplicationBuilder AddOrderActorsGateway(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var redis = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            throw new InvalidOperationException("ConnectionStrings:Redis is required (environment: ConnectionStrings__Redis).");
        }

        configuration["urls"] ??= "http://127.0.0.1:8080"; // loopback unless Urls, ASPNETCORE_URLS or --urls say otherwise
        builder.AddOrderActorsLogging(batched: true);
        builder.AddOrderActorsMetrics(PaymentCallbacks.Meter);
        builder.AddOrderActorsTracing("orderactors-gateway");
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(configuration.GetSection("Orleans"));
            client.Configure<ClientMessagingOptions>(configuration.GetSection("Messaging"));
            // How soon the gateway stops sending through a silo the cluster declared dead (docs/operations.md).
            client.Configure<GatewayOptions>(configuration.GetSection("Gateways"));
            client.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            // Wait for the cluster rather than fail: silos and gateways may start in any order.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
            client.AddOutgoingGrainCallFilter<SafeRetryCallFilter>();
            client.AddActivityPropagation();
            if (ClusterTls.From(configuration) is { } tls)
            {
                client.UseTls(tls.LoadCertificate(), tls.Configure);
            }
        });

        // On SIGTERM readiness fails at once, the server keeps serving for Shutdown:DrainDelay, then stops accepting and
        // lets in-flight requests finish: all of it within this time.
        builder.Services.Configure<HostOptions>(options =>
            options.ShutdownTimeout = configuration.GetValue("Shutdown:Timeout", TimeSpan.FromSeconds(30)));
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            // A field the API does not know is refused with a 400 naming it, never dropped: a product created with
            // "onHand" (the view's name) instead of "stock" must not come to exist with no stock. The document says so
            // too (additionalProperties: false). Payment callbacks are parsed on their own, leniently (providers add fields).
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.AddOrderActorsProbes().AddCheck<ClusterHealthCheck>("cluster", tags: [Probes.Ready]);
        builder.AddGatewayServerLimits();
        builder.AddGatewayForwardedHeaders();
        builder.AddGatewaySecurityHeaders();
        builder.AddGatewayHttps();
        builder.AddGatewayCors();
        builder.AddOrderActorsAuthentication();
        builder.AddGatewayRateLimiting();
        builder.AddGatewayApiDocs();
        builder.AddGatewayOutputCache();
        builder.AddGatewayPaymentCallbacks();
        return builder;
    }

    public static WebApplication UseOrderActorsGateway(this WebApplication app)
    {
        app.UseGatewayForwardedHeaders(); // first: every later step sees the client's address and scheme
        app.UseSecurityHeaders();
        app.UseGatewayHttpsRedirection();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<TraceParentResponse>();
        app.UseGatewayRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseCors(); // before authentication: a preflight carries no token
        app.UseAuthenticationWhereRequired();
        app.UseRateLimiter(); // after authentication: the limit is per token subject where a route reads the token
        app.UseAuthorization();
        app.UseOutputCache(); // after the rate limiter: a cached answer still costs a token
        app.MapOrderActorsProbes();
        app.MapOrderActorsMetrics().DisableRateLimiting();
        app.MapGatewayApiDocs();
        return app;
    }
}
