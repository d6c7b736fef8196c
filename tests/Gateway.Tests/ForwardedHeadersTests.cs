using System.Net;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// Behind a load balancer every request comes from the proxy's address. On a real socket (the peer is 127.0.0.1), the
/// rate limit's buckets and the request log follow the forwarded client only when the peer is a trusted proxy.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ForwardedHeadersTests(GatewayFixture fixture)
{
    private static readonly Dictionary<string, string> OneRequestPerClient = new()
    {
        ["RateLimiting:TokenLimit"] = "1",
        ["RateLimiting:TokensPerPeriod"] = "1",
        ["RateLimiting:ReplenishmentPeriod"] = "01:00:00",
    };

    [Fact]
    public async Task Two_clients_behind_a_trusted_proxy_get_a_bucket_each_and_the_log_shows_their_addresses()
    {
        var sku = await fixture.Client.CreateProduct();
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string>(OneRequestPerClient)
        {
            ["ForwardedHeaders:KnownProxies"] = "127.0.0.1",
        });
        using var proxy = gateway.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(proxy, sku, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.OK, await Get(proxy, sku, "203.0.113.8"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(proxy, sku, "203.0.113.7"));

        await fixture.GatewayLogs.WaitFor(e => e.Properties["ClientAddress"].ToString() == "\"203.0.113.8\"" && e.Properties["StatusCode"].ToString() == "200");
        await fixture.GatewayLogs.WaitFor(e => e.Properties["ClientAddress"].ToString() == "\"203.0.113.7\"" && e.Properties["StatusCode"].ToString() == "429");
    }

    [Theory]
    [InlineData("")] // the default: no proxy is trusted
    [InlineData("10.0.0.1")] // a proxy is trusted, but this peer is not it
    public async Task A_forged_forwarded_for_from_an_untrusted_peer_is_ignored(string knownProxies)
    {
        var sku = await fixture.Client.CreateProduct();
        await using var gateway = KestrelGateway.Start(fixture, new Dictionary<string, string>(OneRequestPerClient)
        {
            ["ForwardedHeaders:KnownProxies"] = knownProxies,
        });
        using var client = gateway.Client();

        Assert.Equal(HttpStatusCode.OK, await Get(client, sku, "203.0.113.20"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await Get(client, sku, "203.0.113.21"));
        await fixture.GatewayLogs.WaitFor(e => e.Properties["RequestPath"].ToString() == $"\"/api/products/{sku}\""
            && e.Properties["ClientAddress"].ToString() == "\"127.0.0.1\"" && e.Properties["StatusCode"].ToString() == "429");
    }

    private static async Task<HttpStatusCode> Get(HttpClient client, string sku, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{sku}");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
