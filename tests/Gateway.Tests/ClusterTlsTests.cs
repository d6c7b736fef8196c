using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// TLS on Orleans' own connections (Microsoft.Orleans.Connections.Security), with one self-signed certificate the whole
/// cluster shares and pins: silos join each other and the gateway calls them over TLS, and a client that brings no
/// certificate, or one the cluster does not know, is refused at the handshake.
/// </summary>
public sealed class ClusterTlsTests
{
    [Fact]
    public async Task Silos_and_the_gateway_talk_over_mutual_tls_and_clients_without_the_certificate_are_refused()
    {
        using var certificate = new TestCertificate();
        var settings = WithTls(GatewayFixture.NewClusterSettings(), certificate);
        await using var silo = await GatewayFixture.StartSiloAsync(settings);
        var secondSettings = new Dictionary<string, string?>(settings)
        {
            ["Orleans:SiloPort"] = GatewayFixture.FreePort(),
            ["Orleans:GatewayPort"] = GatewayFixture.FreePort(),
            ["Urls"] = $"http://127.0.0.1:{GatewayFixture.FreePort()}",
            // The same certificate as PEM files.
            ["Orleans:Tls:CertificatePath"] = certificate.PemPath,
            ["Orleans:Tls:KeyPath"] = certificate.KeyPath,
            ["Orleans:Tls:CertificatePassword"] = null,
        };
        await using var second = await GatewayFixture.StartSiloAsync(secondSettings);
        // First the wire, so a silo without TLS fails here rather than leave the gateway waiting for it.
        Assert.Equal(certificate.Thumbprint, await CertificatePresentedOn(int.Parse(settings["Orleans:GatewayPort"]!), certificate));
        Assert.Equal(certificate.Thumbprint, await CertificatePresentedOn(int.Parse(settings["Orleans:SiloPort"]!), certificate));
        Assert.Equal(certificate.Thumbprint, await CertificatePresentedOn(int.Parse(secondSettings["Orleans:SiloPort"]!), certificate));

        await using var gateway = GatewayFixture.GatewayFor(settings);
        using var admin = GatewayFixture.WithToken(gateway.CreateClient(), GatewayFixture.Token("admin", "admin"));

        var sku = await admin.CreateProduct();
        Assert.Equal(HttpStatusCode.OK, (await admin.Get($"/api/products/{sku}")).Status);
        var silos = (await admin.Get("/api/admin/cluster")).Body!["silos"]!.AsArray();
        Assert.Equal(2, silos.Count(s => (string?)s!["status"] == "Active"));

        using var stranger = new TestCertificate("CN=stranger");
        Assert.True(await RefusesClient(int.Parse(settings["Orleans:GatewayPort"]!), null), "a client without a certificate was served");
        Assert.True(await RefusesClient(int.Parse(settings["Orleans:GatewayPort"]!), stranger), "a client with an unknown certificate was served");
    }

    private static Dictionary<string, string?> WithTls(Dictionary<string, string?> settings, TestCertificate certificate)
    {
        settings["Orleans:Tls:CertificatePath"] = certificate.PfxPath;
        settings["Orleans:Tls:CertificatePassword"] = TestCertificate.Password;
        settings["Orleans:Tls:AllowedThumbprints"] = certificate.Thumbprint;
        return settings;
    }

    /// <summary>The thumbprint of the certificate a TLS handshake on <paramref name="port"/> is answered with.</summary>
    private static async Task<string?> CertificatePresentedOn(int port, TestCertificate client)
    {
        string? presented = null;
        using var tcp = new TcpClient();
        await using var tls = await Handshake(tcp, port, client, certificate => presented = certificate);
        return presented;
    }

    /// <summary>
    /// Whether the silo ends a connection whose client brings <paramref name="client"/> as its certificate: the handshake
    /// fails, or (TLS 1.3 checks the client's certificate after the client has finished) the first read does.
    /// </summary>
    private static async Task<bool> RefusesClient(int port, TestCertificate? client)
    {
        using var tcp = new TcpClient();
        try
        {
            await using var tls = await Handshake(tcp, port, client, _ => { });
            var read = await tls.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            return read == 0;
        }
        catch (Exception exception) when (exception is IOException or System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
    }

    private static async Task<SslStream> Handshake(TcpClient tcp, int port, TestCertificate? client, Action<string?> presented)
    {
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = client is null ? null : [client.Certificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                presented(certificate?.GetCertHashString());
                return true;
            },
        }).WaitAsync(TimeSpan.FromSeconds(30));
        return tls;
    }
}
