using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The fixture's gateway on a real Kestrel socket on loopback, for what the in-memory test server cannot show: the peer's
/// address, TLS, connection limits and timeouts, and a shutdown that stops accepting connections.
/// </summary>
public sealed class KestrelGateway : IAsyncDisposable
{
    private KestrelGateway(WebApplicationFactory<Program> factory)
    {
        Factory = factory;
        Addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Select(address => new Uri(address)).ToArray();
    }

    public WebApplicationFactory<Program> Factory { get; }

    /// <summary>Where Kestrel listens, in the order of <c>Urls</c>, with the ports it was given.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    public Uri Address => Addresses[0];

    /// <summary>Starts the gateway with <paramref name="settings"/> on top of the fixture's, on <c>http://127.0.0.1:0</c> unless they set <c>Urls</c>.</summary>
    public static KestrelGateway Start(GatewayFixture fixture, IReadOnlyDictionary<string, string> settings)
    {
        var factory = fixture.Gateway.WithWebHostBuilder(web =>
        {
            web.UseSetting("Urls", "http://127.0.0.1:0");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        return new KestrelGateway(factory);
    }

    /// <summary>A client of its own (a connection pool of its own) to the first address.</summary>
    public HttpClient Client(HttpMessageHandler? handler = null) =>
        new(handler ?? new SocketsHttpHandler(), disposeHandler: true) { BaseAddress = Address };

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}
