using System.Text.Json.Serialization;
using OrderActors.Gateway.Http;
using OrderActors.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrderActors.Gateway.Hosting;

/// <summary>Registration of the gateway: an Orleans client, JSON, ProblemDetails, health and logging.</summary>
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
        builder.AddOrderActorsLogging();
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
        });

        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);
        return builder;
    }

    public static WebApplication UseOrderActorsGateway(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }
}
