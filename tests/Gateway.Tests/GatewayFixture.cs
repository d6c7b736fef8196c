extern alias silo;

using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrderActors.Gateway.Hosting;
using Serilog.Core;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The real gateway (WebApplicationFactory over its Program) in front of a real silo hosted in this process,
/// both on real PostgreSQL and Redis, in a cluster of their own. Clients carry tokens minted with the test key;
/// the rate limit is set out of reach so tests never trip it by accident.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string SigningKey = "gateway-tests-signing-key-0123456789abcdef";

    private WebApplication? silo;

    /// <summary>The gateway; derive one with other settings through <c>WithWebHostBuilder</c>.</summary>
    public WebApplicationFactory<Program> Gateway { get; private set; } = null!;

    /// <summary>A client with an admin token: reaches everything.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Log lines written by the gateway and by the silo (grains included).</summary>
    public LogCapture GatewayLogs { get; } = new();

    public LogCapture SiloLogs { get; } = new();

    public Uri SiloAddress { get; private set; } = null!;

    public static AuthSettings Auth { get; } = new() { SigningKey = SigningKey };

    /// <summary>The Orleans service id all of this fixture's state is stored under.</summary>
    public string ServiceId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var cluster = "gateway-tests-" + Guid.NewGuid().ToString("N")[..8];
        SiloAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        ServiceId = cluster;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Orleans:ClusterId"] = cluster,
            ["Orleans:ServiceId"] = cluster,
            ["Orleans:SiloPort"] = FreePort(),
            ["Orleans:GatewayPort"] = FreePort(),
            ["Urls"] = SiloAddress.ToString(),
            ["Auth:SigningKey"] = SigningKey,
            ["RateLimiting:TokenLimit"] = "1000000",
            ["RateLimiting:TokensPerPeriod"] = "1000000",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:OrderActors"] = "Information",
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Information",
        };

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<ILogEventSink>(SiloLogs);
        builder.AddOrderActorsSilo();
        silo = builder.Build();
        silo.MapOrderActorsSilo();
        await silo.StartAsync();

        // Many concurrent clients in one test: the test server's handler has no connection limit to worry about.
        Gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureServices(services => services.AddSingleton<ILogEventSink>(GatewayLogs));
        });
        Client = ClientFor("admin", "admin");
    }

    /// <summary>A client whose token has subject <paramref name="subject"/> and the given roles.</summary>
    public HttpClient ClientFor(string subject, params string[] roles) => WithToken(Gateway.CreateClient(), Token(subject, roles));

    public HttpClient Anonymous() => Gateway.CreateClient();

    public static string Token(string subject, params string[] roles) => DevToken.Mint(Auth, subject, roles, TimeSpan.FromHours(1));

    public static HttpClient WithToken(HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A service of the in-process silo (e.g. its read model).</summary>
    public T SiloService<T>()
        where T : notnull => silo!.Services.GetRequiredService<T>();

    /// <summary>Stops the only silo, leaving the gateway with no cluster to talk to.</summary>
    public Task StopSiloAsync() => silo!.StopAsync();

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
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
