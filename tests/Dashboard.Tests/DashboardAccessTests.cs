using System.Net;
using System.Net.Http.Headers;
using OrderActors.Cluster.Tests;

namespace OrderActors.Dashboard.Tests;

/// <summary>Who reaches a real silo's dashboard, health and metrics, through plain HTTP.</summary>
public sealed class DashboardAccessTests(DashboardAccessTests.OneSilo silo) : IClassFixture<DashboardAccessTests.OneSilo>
{
    // The page, its script and the dashboard's own API calls.
    public static TheoryData<string> DashboardPaths => ["/dashboard", "/dashboard/", "/dashboard/index.min.js", "/dashboard/ClusterStats", "/dashboard/DashboardCounters"];

    [Theory]
    [MemberData(nameof(DashboardPaths))]
    public async Task Without_a_token_the_dashboard_answers_401(string path)
    {
        using var response = await silo.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(DashboardPaths))]
    public async Task With_a_customer_token_the_dashboard_answers_403(string path)
    {
        using var response = await silo.Http.SendAsync(Get(path, bearer: silo.CustomerToken));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(DashboardPaths))]
    public async Task With_an_admin_token_the_dashboard_answers(string path)
    {
        using var response = await silo.Http.SendAsync(Get(path, bearer: silo.AdminToken));

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.MovedPermanently, $"{path}: {response.StatusCode}");
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    public async Task Health_and_metrics_stay_open_without_a_token(string path)
    {
        using var response = await silo.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_handoff_trades_an_admin_token_for_a_dashboard_cookie_and_drops_it_from_the_url()
    {
        using var signIn = await silo.Http.GetAsync($"/dashboard/?tab=silos&access_token={silo.AdminToken}");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/dashboard/?tab=silos", signIn.Headers.Location?.OriginalString);
        var cookie = Assert.Single(signIn.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"orderactors-dashboard={silo.AdminToken};", cookie);
        Assert.Contains("path=/dashboard", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=strict", cookie);

        using var call = await silo.Http.SendAsync(Get("/dashboard/ClusterStats", cookie: cookie.Split(';')[0]));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        // The silo logs Microsoft.* at Information in this fixture, yet the request line with the token stays out.
        Assert.DoesNotContain(silo.AdminToken, silo.Log());
    }

    [Fact]
    public async Task The_sign_in_handoff_refuses_a_customer_token_and_a_forged_one_without_setting_a_cookie()
    {
        using var customer = await silo.Http.GetAsync($"/dashboard/?access_token={silo.CustomerToken}");
        using var forged = await silo.Http.GetAsync($"/dashboard/?access_token={silo.AdminToken[..^4]}AAAA");

        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.False(customer.Headers.Contains("Set-Cookie"));
        Assert.False(forged.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_customer_token_in_the_dashboard_cookie_answers_403()
    {
        using var withCustomerCookie = await silo.Http.SendAsync(Get("/dashboard/ClusterStats", cookie: $"orderactors-dashboard={silo.CustomerToken}"));

        Assert.Equal(HttpStatusCode.Forbidden, withCustomerCookie.StatusCode);
    }

    private static HttpRequestMessage Get(string path, string? bearer = null, string? cookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        return request;
    }

    /// <summary>One real silo process, an admin's and a customer's token minted by the gateway's <c>token</c> command.</summary>
    public sealed class OneSilo : IAsyncLifetime
    {
        // Microsoft.* at Information: the request lines ASP.NET Core logs would show a handoff token if any did.
        private readonly ProcessCluster cluster = new(new Dictionary<string, string> { ["Serilog__MinimumLevel__Override__Microsoft"] = "Information" });
        private NodeProcess node = null!;

        /// <summary>Cookies and redirects are left to the tests: they check both.</summary>
        public HttpClient Http { get; private set; } = null!;

        public string AdminToken { get; private set; } = "";

        public string CustomerToken { get; private set; } = "";

        public string Log() => node.Tail(int.MaxValue);

        public async Task InitializeAsync()
        {
            node = await cluster.StartSiloAsync();
            Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = cluster.WebAddressOf(node) };
            AdminToken = await cluster.MintTokenAsync("admin", "admin");
            CustomerToken = await cluster.MintTokenAsync("alice");
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await cluster.DisposeAsync();
        }
    }
}
