namespace OrderActors.Silo.Hosting;

/// <summary>
/// Stops Orleans before the web server. The host stops its web server first (it is started last), so without this
/// /health/live would refuse connections for the whole of the silo's graceful shutdown (handing grains off, writing
/// their state, leaving the membership table), and an orchestrator could take that for a hung process. Here the silo
/// stops in the host's "stopping" phase, after the drain delay (<see cref="OrderActors.Hosting.Draining"/>, registered
/// after this, stops before it), while the server still answers; Orleans' own hosted service then finds it stopped.
/// </summary>
public sealed class SiloStopsFirst(Orleans.Runtime.Silo silo) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
