using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// Probes a load balancer and an orchestrator can trust: readiness goes 503 the moment a process begins to stop while it
/// still serves, liveness stays 200 until it exits, and startup answers 200 only once everything has started.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ProbeTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_stopping_gateway_is_not_ready_at_once_yet_serves_new_connections_until_its_drain_delay_is_over()
    {
        var sku = await fixture.Client.CreateProduct();
        var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string> { ["Shutdown:DrainDelay"] = "00:00:10" });
        Task stopped;
        try
        {
            Assert.Equal(HttpStatusCode.OK, await Status(gateway.Address, "/health/startup"));
            Assert.Equal(HttpStatusCode.OK, await Status(gateway.Address, "/health/ready"));

            stopped = gateway.DisposeAsync().AsTask(); // what SIGTERM does: the host stops
            await Poll.For(() => Answers(gateway.Address, "/health/ready", HttpStatusCode.ServiceUnavailable), "readiness 503 while draining");

            Assert.False(stopped.IsCompleted, "the gateway stopped without a drain delay");
            Assert.Equal(HttpStatusCode.OK, await Status(gateway.Address, "/health/live"));
            Assert.Equal(HttpStatusCode.OK, await Status(gateway.Address, $"/api/products/{sku}"));
            Assert.False(stopped.IsCompleted, "the gateway stopped before the checks above were done: raise the delay");
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }

        await stopped.WaitAsync(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<HttpRequestException>(() => Status(gateway.Address, "/health/live"));
    }

    [Fact]
    public async Task A_silo_is_not_ready_from_the_moment_it_begins_to_stop_and_stays_live()
    {
        await using var silo = await GatewayFixture.StartSiloAsync(GatewayFixture.NewClusterSettings());
        var address = new Uri(silo.Urls.Single());
        Assert.Equal(HttpStatusCode.OK, await Status(address, "/health/ready"));

        silo.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication(); // the first thing SIGTERM does

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status(address, "/health/ready"));
        Assert.Equal(HttpStatusCode.OK, await Status(address, "/health/live"));
        await silo.StopAsync();
    }

    [Fact]
    public async Task A_stopping_silo_stays_live_until_orleans_has_shut_down()
    {
        await using var silo = await GatewayFixture.StartSiloAsync(GatewayFixture.NewClusterSettings());
        var address = new Uri(silo.Urls.Single());
        var membership = silo.Services.GetRequiredService<ISiloStatusOracle>();

        var stopping = silo.StopAsync();
        // Asked while Orleans hands off its grains and leaves the membership table; once it has, the process exits.
        var answers = new List<(SiloStatus Silo, HttpStatusCode Live)>();
        while (!stopping.IsCompleted)
        {
            var status = membership.CurrentStatus;
            var live = await Live(address);
            if (status != SiloStatus.Dead)
            {
                answers.Add((status, live));
            }
        }

        await stopping;
        var seen = string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Key.Silo}: {(int)g.Key.Live} ×{g.Count()}"));
        Assert.Equal(SiloStatus.Dead, membership.CurrentStatus);
        Assert.NotEmpty(answers);
        Assert.True(answers.All(a => a.Live == HttpStatusCode.OK), $"liveness during the shutdown (0: refused): {seen}");
    }

    [Fact]
    public async Task A_slowly_starting_silo_answers_startup_and_ready_with_503_until_it_has_started()
    {
        var release = new TaskCompletionSource();
        var settings = GatewayFixture.NewClusterSettings();
        await using var silo = GatewayFixture.BuildSilo(settings, services => services.AddHostedService(_ => new SlowStart(release.Task)));
        var address = new Uri(settings["Urls"]!);
        var started = silo.StartAsync();
        try
        {
            await Poll.For(() => Answers(address, "/health/live", HttpStatusCode.OK), "liveness 200 while starting");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status(address, "/health/startup"));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await Status(address, "/health/ready"));
        }
        finally
        {
            release.SetResult();
            await started;
        }

        Assert.Equal(HttpStatusCode.OK, await Status(address, "/health/startup"));
        Assert.Equal(HttpStatusCode.OK, await Status(address, "/health/ready"));
        await silo.StopAsync();
    }

    /// <summary>The liveness status, or 0 when the connection is refused.</summary>
    private static async Task<HttpStatusCode> Live(Uri server)
    {
        try
        {
            return await Status(server, "/health/live");
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    /// <summary>A status over a connection of its own, as a probe makes it.</summary>
    private static async Task<HttpStatusCode> Status(Uri server, string path)
    {
        using var client = new HttpClient { BaseAddress = server };
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>Whether <paramref name="path"/> answers <paramref name="expected"/>; a request that fails (nothing listens yet) does not.</summary>
    private static Task<bool> Answers(Uri server, string path, HttpStatusCode expected) =>
        Status(server, path).ContinueWith(check => check.IsCompletedSuccessfully && check.Result == expected, TaskScheduler.Default);

    /// <summary>A start that takes as long as the test wants, after the server already listens.</summary>
    private sealed class SlowStart(Task release) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken) => release.WaitAsync(cancellationToken);

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
