extern alias silo;

using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using OrderActors.Gateway.Hosting;
using Serilog.Core;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The real gateway (WebApplicationFactory over its Program) in front of a real silo hosted in this process,
/// both on real PostgreSQL and Redis, in a cluster of their own. Clients carry tokens minted with the test key;
/// the rate limit is set out of reach so tests never trip it by accident.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    public const string SigningKey = "gateway-tests-signing-key-0123456789abcdef";

    /// <summary>The secret the payment provider signs its callbacks with (Standard Webhooks: whsec_ + base64).</summary>
    public static readonly string CallbackSecret = "whsec_" + Convert.ToBase64String("gateway-tests-payment-callback-secret"u8.ToArray());

    private WebApplication? silo;

    /// <summary>The gateway; derive one with other settings through <c>WithWebHostBuilder</c>.</summary>
    public WebApplicationFactory<Program> Gateway { get; private set; } = null!;

    /// <summary>A client with an admin token: reaches everything.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client with the <c>payments</c> role (subject <c>payments</c>): what the payment provider's integration holds.</summary>
    public HttpClient Payments { get; private set; } = null!;

    /// <summary>Log lines written by the gateway and by the silo (grains included).</summary>
    public LogCapture GatewayLogs { get; } = new();

    public LogCapture SiloLogs { get; } = new();

    /// <summary>
    /// The spans each process's tracer provider finished. Both run in this process and Activity sources are global, so
    /// the gateway's list holds the silo's grain spans too; the silo's list holds only what the silo's setup records.
    /// </summary>
    public SpanLog GatewaySpans { get; } = new();

    public SpanLog SiloSpans { get; } = new();

    /// <summary>The OpenAPI document's statuses, checked on every /api response of every gateway this fixture hosts.</summary>
    public ApiContract Contract { get; } = new();

    public Uri SiloAddress { get; private set; } = null!;

    public static AuthSettings Auth { get; } = new() { SigningKey = SigningKey };

    /// <summary>The Orleans service id all of this fixture's state is stored under.</summary>
    public string ServiceId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var settings = NewClusterSettings();
        foreach (var (key, value) in Overrides)
        {
            settings[key] = value;
        }

        SiloAddress = new Uri(settings["Urls"]!);
        ServiceId = settings["Orleans:ServiceId"]!;
        var built = BuildSilo(settings, services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(SiloSpans)), SiloLogs);
        await built.StartAsync();
        silo = built;

        // Many concurrent clients in one test: the test server's handler has no connection limit to worry about.
        Gateway = GatewayFor(settings).WithWebHostBuilder(web =>
            web.ConfigureServices(services => services.AddSingleton<ILogEventSink>(GatewayLogs)
                .AddSingleton<IStartupFilter>(new ApiContractCheck(Contract))
                .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(GatewaySpans))));
        Client = ClientFor("admin", "admin");
        Payments = ClientFor("payments", "payments");
        Contract.Load((await Anonymous().Get("/openapi/v1.json")).Body!);
    }

    /// <summary>The settings of a cluster of its own: fresh cluster and service id, free ports for a silo.</summary>
    public static Dictionary<string, string?> NewClusterSettings()
    {
        var cluster = "gateway-tests-" + Guid.NewGuid().ToString("N")[..8];
        return new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres,
            ["ConnectionStrings:Redis"] = TestEnvironment.Redis,
            ["Orleans:ClusterId"] = cluster,
            ["Orleans:ServiceId"] = cluster,
            ["Orleans:SiloPort"] = FreePort(),
            ["Orleans:GatewayPort"] = FreePort(),
            ["Urls"] = $"http://127.0.0.1:{FreePort()}",
            ["Auth:SigningKey"] = SigningKey,
            ["Payments:CallbackSecret"] = CallbackSecret,
            ["RateLimiting:TokenLimit"] = "1000000",
            ["RateLimiting:TokensPerPeriod"] = "1000000",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:OrderActors"] = "Information",
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Information",
        };
    }

    /// <summary>A silo in this process, started: it has joined its cluster and serves HTTP on <c>Urls</c>.</summary>
    public static async Task<WebApplication> StartSiloAsync(IReadOnlyDictionary<string, string?> settings, ILogEventSink? logs = null)
    {
        var silo = BuildSilo(settings, logs: logs);
        await silo.StartAsync();
        return silo;
    }

    public static WebApplication BuildSilo(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null, ILogEventSink? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null)
        {
            builder.Services.AddSingleton(logs);
        }

        services?.Invoke(builder.Services);

        builder.AddOrderActorsSilo();
        var silo = builder.Build();
        silo.MapOrderActorsSilo();
        return silo;
    }

    /// <summary>A gateway (not yet started: it starts with its first client) for the cluster of <paramref name="settings"/>.</summary>
    public static WebApplicationFactory<Program> GatewayFor(IReadOnlyDictionary<string, string?> settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });

    /// <summary>Settings a derived fixture changes for its silo and gateway.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>();

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
        Payments?.Dispose();
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

    public static string FreePort() => Ports.Free().ToString();
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
