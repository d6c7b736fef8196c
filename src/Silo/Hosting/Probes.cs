using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrderActors.Hosting;

/// <summary>
/// The three probes of every OrderActors process: <c>/health/live</c> (the process serves HTTP), <c>/health/startup</c>
/// (it has finished starting) and <c>/health/ready</c> (it should be sent work: it has started, its own "ready" checks
/// pass and it is not shutting down).
/// </summary>
public static class Probes
{
    public const string Ready = "ready";
    public const string Startup = "startup";

    /// <summary>
    /// Registers the startup and draining checks, and the pause of <c>Shutdown:DrainDelay</c> at the start of a shutdown
    /// during which the process still serves while its readiness already answers 503.
    /// </summary>
    public static IHealthChecksBuilder AddOrderActorsProbes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Draining>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Draining>());
        return builder.Services.AddHealthChecks()
            .AddCheck<StartedCheck>("started", tags: [Startup, Ready])
            .AddCheck<Draining>("draining", tags: [Ready]);
    }

    public static IEndpointRouteBuilder MapOrderActorsProbes(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/health/startup", new() { Predicate = check => check.Tags.Contains(Startup) }).DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains(Ready) }).DisableRateLimiting();
        return app;
    }
}

/// <summary>Healthy once every hosted service has started (schema applied, silo joined or client connected).</summary>
public sealed class StartedCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStarted.IsCancellationRequested
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Still starting."));
}

/// <summary>
/// Unhealthy from the moment the host begins to stop (SIGTERM signals it; a host stopped in code starts here with
/// <see cref="StoppingAsync"/>), so load balancers stop sending work here. Then it holds the shutdown for
/// <c>Shutdown:DrainDelay</c> (default none) while everything still runs, so a load balancer that probes every few
/// seconds takes this process out of its pool before the server stops accepting connections. The delay counts against
/// the host's shutdown timeout.
/// </summary>
public sealed class Draining(IHostApplicationLifetime lifetime, IConfiguration configuration) : IHealthCheck, IHostedLifecycleService
{
    private volatile bool stopping;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(stopping || lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("Shutting down.")
            : HealthCheckResult.Healthy());

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        stopping = true;
        try
        {
            await Task.Delay(configuration.GetValue("Shutdown:DrainDelay", TimeSpan.Zero), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout is up: stop now rather than fail the shutdown.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
