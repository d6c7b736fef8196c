using System.Text.Json.Serialization;
using OrderActors.Gateway.Http;
using OrderActors.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Registration of the gateway: an Orleans client, JSON, ProblemDetails, authentication, rate limits, API docs,
/// health, logging, metrics and a bounded graceful shutdown.
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
        builder.AddOrderActorsMetrics();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(configuration.GetSection("Orleans"));
            client.Configure<ClientMessagingOptions>(configuration.GetSection("Messaging"));
            client.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            // Wait for the cluster rather than fail: silos and gateways may start in any order.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
            client.AddOutgoingGrainCallFilter<SafeRetryCallFilter>();
        });

        // On SIGTERM the server stops accepting and in-flight requests get this long to finish.
        builder.Services.Configure<HostOptions>(options =>
            options.ShutdownTimeout = configuration.GetValue("Shutdown:Timeout", TimeSpan.FromSeconds(30)));
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);
        builder.AddOrderActorsAuthentication();
        builder.AddGatewayRateLimiting();
        builder.AddGatewayApiDocs();
        return builder;
    }

    public static WebApplication UseOrderActorsGateway(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseGatewayRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseAuthentication();
        app.UseRateLimiter(); // after authentication: the limit is per token subject
        app.UseAuthorization();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") }).DisableRateLimiting();
        app.MapOrderActorsMetrics().DisableRateLimiting();
        app.MapGatewayApiDocs();
        return app;
    }
}
