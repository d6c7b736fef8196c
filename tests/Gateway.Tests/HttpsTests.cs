using System.Net;

namespace OrderActors.Gateway.Tests;

/// <summary>HTTPS on the gateway's own Kestrel: the certificate from configuration, plain HTTP redirected, HSTS on HTTPS only.</summary>
[Collection(GatewayCollection.Name)]
public sealed class HttpsTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task The_gateway_serves_https_with_the_configured_certificate_and_redirects_plain_http(string format)
    {
        using var certificate = new TestCertificate();
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = "http://127.0.0.1:0;https://127.0.0.1:0",
            ["Https:Redirect"] = "true",
        };
        if (format == "pfx")
        {
            settings["Kestrel:Certificates:Default:Path"] = certificate.PfxPath;
            settings["Kestrel:Certificates:Default:Password"] = TestCertificate.Password;
        }
        else
        {
            settings["Kestrel:Certificates:Default:Path"] = certificate.PemPath;
            settings["Kestrel:Certificates:Default:KeyPath"] = certificate.KeyPath;
        }

        await using var gateway = KestrelGateway.Start(fixture, settings);
        var http = gateway.Addresses.Single(a => a.Scheme == "http");
        var https = gateway.Addresses.Single(a => a.Scheme == "https");
        using var client = new HttpClient(certificate.TrustingHandler());

        // By a host name, as clients reach it: HSTS is never sent for localhost, so developers' browsers are not pinned.
        using var secure = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(https, "/api/products")) { Headers = { Host = "api.shop.example" } });
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode); // the handler accepts only our certificate
        Assert.True(secure.Headers.TryGetValues("Strict-Transport-Security", out var hsts), "no HSTS over HTTPS");
        Assert.StartsWith("max-age=", string.Join(",", hsts));

        using var plain = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(http, "/api/products?limit=5")) { Headers = { Host = "api.shop.example" } });
        Assert.Equal(HttpStatusCode.TemporaryRedirect, plain.StatusCode);
        Assert.Equal($"https://api.shop.example:{https.Port}/api/products?limit=5", plain.Headers.Location?.ToString());
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));

        using var probe = await client.GetAsync(new Uri(http, "/health/live")); // load balancers probe over either
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.False(probe.Headers.Contains("Strict-Transport-Security"));
    }
}
