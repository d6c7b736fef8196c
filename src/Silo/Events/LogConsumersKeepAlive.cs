using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Silo.Events;

/// <summary>
/// Every silo wakes the readers of the event log (the listings projection, each webhook subscription) and its
/// retention every few seconds. The work itself happens in those grains, wherever Orleans placed them; this only
/// makes sure each is active again soon after the silo that held it died, sooner than a reminder would.
/// </summary>
public sealed class LogConsumersKeepAlive(
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<EventOptions> options,
    ILogger<LogConsumersKeepAlive> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Ends as soon as the host begins to stop: the silo stops before this service would (see SiloStopsFirst).
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        using var timer = new PeriodicTimer(options.Value.KeepAliveInterval);
        try
        {
            // Not before the silo runs: Orleans logs a call it cannot address yet as an error.
            var started = new TaskCompletionSource();
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stopping.Token);
            }

            do
            {
                await WakeAsync();
            }
            while (await timer.WaitForNextTickAsync(stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task WakeAsync()
    {
        try
        {
            await grains.Reference<IListingProjectionGrain>(IListingProjectionGrain.Key).Wake();
            await grains.Reference<IWebhookRegistryGrain>(IWebhookRegistryGrain.Key).WakeAll();
            await grains.Reference<ILogRetentionGrain>(ILogRetentionGrain.Key).Wake();
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Could not wake the event log readers; trying again in {Interval}", options.Value.KeepAliveInterval);
        }
    }
}
