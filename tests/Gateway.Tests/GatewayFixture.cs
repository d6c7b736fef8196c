extern alias silo;

using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using silo::OrderActors.Silo.Hosting;
using OrderActors.Tests;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The real gateway (WebApplicationFactory over its Program) in front of a real silo hosted in this process,
/// both on real PostgreSQL and Redis, in a cluster of their own.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    private WebApplication? silo;
    private WebApplicationFactory<Program>? gateway;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The Orleans service id all of this fixture's state is stored under.</summary>
    public string ServiceId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var cluster = "gateway-tests-" + Guid.NewGuid().ToString("N")[..8];
        ServiceId = cluster;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Orleans:ClusterId"] = cluster,
            ["Orleans:ServiceId"] = cluster,
            ["Orleans:SiloPort"] = FreePort(),
            ["Orleans:GatewayPort"] = FreePort(),
            ["Urls"] = $"http://127.0.0.1:{FreePort()}",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddOrderActorsSilo();
        silo = builder.Build();
        silo.MapOrderActorsSilo();
        await silo.StartAsync();

        // Many concurrent clients in one test: the test server's handler has no connection limit to worry about.
        gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        Client = gateway.CreateClient();
    }

    /// <summary>A service of the in-process silo (e.g. its read model).</summary>
    public T SiloService<T>()
        where T : notnull => silo!.Services.GetRequiredService<T>();

    /// <summary>Stops the only silo, leaving the gateway with no cluster to talk to.</summary>
    public Task StopSiloAsync() => silo!.StopAsync();

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (gateway is not null)
        {
            await gateway.DisposeAsync();
        }

        if (silo is not null)
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
