using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class CorsTests(GatewayFixture fixture)
{
    private const string Shop = "https://shop.example";

    [Fact]
    public async Task By_default_no_origin_is_allowed()
    {
        using var client = fixture.Anonymous();

        using var preflight = await client.SendAsync(Preflight(Shop, "PUT", "authorization,content-type"));
        using var read = await client.SendAsync(WithOrigin(new HttpRequestMessage(HttpMethod.Get, "/api/products"), Shop));

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.False(read.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_passes_its_preflight_with_the_configured_methods_and_headers()
    {
        await using var gateway = Configured();
        using var client = gateway.CreateClient();

        using var preflight = await client.SendAsync(Preflight(Shop, "PUT", "authorization,content-type,idempotency-key"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Shop, Single(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("GET,PUT", Single(preflight, "Access-Control-Allow-Methods"));
        Assert.Equal("authorization,content-type,idempotency-key", Single(preflight, "Access-Control-Allow-Headers").ToLowerInvariant());
        Assert.Equal("600", Single(preflight, "Access-Control-Max-Age"));

        using var read = await client.SendAsync(WithOrigin(new HttpRequestMessage(HttpMethod.Get, "/api/products"), Shop));
        Assert.Equal(Shop, Single(read, "Access-Control-Allow-Origin"));
        Assert.Contains("ETag", Single(read, "Access-Control-Expose-Headers").Split(','));
    }

    [Theory]
    [InlineData("https://evil.example", "PUT", "content-type")] // another origin
    [InlineData(Shop, "DELETE", "content-type")] // a method not configured
    [InlineData(Shop, "PUT", "x-not-allowed")] // a header not configured
    public async Task A_preflight_outside_the_configuration_is_not_allowed(string origin, string method, string headers)
    {
        await using var gateway = Configured();
        using var client = gateway.CreateClient();

        using var preflight = await client.SendAsync(Preflight(origin, method, headers));

        var allowed = preflight.Headers.Contains("Access-Control-Allow-Origin")
            && Single(preflight, "Access-Control-Allow-Methods").Split(',').Contains(method)
            && headers.Split(',').All(h => Single(preflight, "Access-Control-Allow-Headers").ToLowerInvariant().Split(',').Contains(h));
        Assert.False(allowed, $"{origin} may send {method} with {headers}");
    }

    private WebApplicationFactory<Program> Configured() => fixture.Gateway.WithWebHostBuilder(web => web
        .UseSetting("Cors:AllowedOrigins", $"{Shop}, https://admin.shop.example")
        .UseSetting("Cors:AllowedMethods", "GET,PUT")
        .UseSetting("Cors:AllowedHeaders", "Authorization,Content-Type,Idempotency-Key"));

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = WithOrigin(new HttpRequestMessage(HttpMethod.Options, "/api/carts/alice/items/sku-1"), origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static HttpRequestMessage WithOrigin(HttpRequestMessage request, string origin)
    {
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}
