using System.Net;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SecurityHeadersTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("GET", "/api/products")]
    [InlineData("GET", "/api/products/no-such-sku")] // a 404 problem
    [InlineData("POST", "/api/products")] // a 401 problem: no token
    [InlineData("GET", "/no/such/route")]
    [InlineData("GET", "/health/ready")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/openapi/v1.json")]
    public async Task Every_api_response_forbids_sniffing_framing_referrers_and_loading_anything(string method, string path)
    {
        using var anonymous = fixture.Anonymous();

        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS over plain HTTP");
    }

    [Fact]
    public async Task A_refusal_by_the_rate_limiter_carries_them_too()
    {
        await using var limited = fixture.Gateway.WithWebHostBuilder(web => web
            .UseSetting("RateLimiting:TokenLimit", "1")
            .UseSetting("RateLimiting:TokensPerPeriod", "1")
            .UseSetting("RateLimiting:ReplenishmentPeriod", "01:00:00"));
        using var client = GatewayFixture.WithToken(limited.CreateClient(), GatewayFixture.Token("headers-429"));
        using var first = await client.GetAsync("/api/products");

        using var refused = await client.GetAsync("/api/products");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("nosniff", Header(refused, "X-Content-Type-Options"));
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", Header(refused, "Content-Security-Policy"));
    }

    /// <summary>
    /// The reference page runs Scalar's scripts, which the API's policy would block: its policy allows this origin's
    /// scripts (and the inline one that starts them) and nothing from elsewhere but Scalar's fonts, and every script
    /// the page names is served here.
    /// </summary>
    [Fact]
    public async Task The_docs_page_gets_a_policy_that_lets_its_own_scripts_run()
    {
        using var anonymous = fixture.Anonymous();

        using var page = await anonymous.GetAsync("/docs/");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = Directives(Header(page, "Content-Security-Policy"));
        Assert.Equal("'none'", csp["default-src"]);
        Assert.Equal("'self' 'unsafe-inline'", csp["script-src"]);
        Assert.Equal("'self'", csp["connect-src"]);
        Assert.Equal("'none'", csp["frame-ancestors"]);
        Assert.Equal("nosniff", Header(page, "X-Content-Type-Options"));
        var html = await page.Content.ReadAsStringAsync();
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]* src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(Uri.IsWellFormedUriString(script, UriKind.Absolute), $"{script} is not from this origin");
            using var served = await anonymous.GetAsync(new Uri(new Uri(anonymous.BaseAddress!, "/docs/"), script));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : throw new Xunit.Sdk.XunitException($"no {name} header on {response.RequestMessage?.RequestUri} ({response.StatusCode})");

    private static Dictionary<string, string> Directives(string csp) =>
        csp.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(directive => directive.Split(' ', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");
}
