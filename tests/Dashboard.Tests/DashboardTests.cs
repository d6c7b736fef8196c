using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrderActors.Cluster.Tests;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrderActors.Dashboard.Tests;

/// <summary>The Orleans dashboard of a real two-silo cluster, as an admin sees it in Chromium.</summary>
public sealed class DashboardTests(ITestOutputHelper output)
{
    // Where a silo serves the dashboard; change it here (or by environment) if the dashboard moves.
    private static readonly string DashboardPath = Environment.GetEnvironmentVariable("ORDERACTORS_TEST_DASHBOARD_PATH") is { Length: > 0 } dashboard ? dashboard : "/dashboard/";

    [Fact]
    public async Task After_signing_in_an_admin_sees_both_silos_and_grain_activity()
    {
        await using var cluster = new ProcessCluster();
        var first = await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        await cluster.WaitForActiveSilosAsync(2);
        const int products = 30;
        var skus = await MakeGrainCallsAsync(cluster.Api, products);
        var silos = (await cluster.Api.GetFromJsonAsync<JsonNode>("/api/admin/cluster"))!["silos"]!.AsArray()
            .Select(s => (string)s!["address"]!).ToArray();

        await using var chromium = await HeadlessChromium.LaunchAsync(output.WriteLine);
        var page = await chromium.NewPageAsync(TimeSpan.FromSeconds(60), new() { Width = 1400, Height = 900 });
        var dashboard = new Uri(cluster.WebAddressOf(first), DashboardPath);
        var token = await cluster.MintTokenAsync("admin", "admin");
        // Calls keep coming while the browser looks, so the dashboard has live throughput to show.
        using var stopCalls = new CancellationTokenSource();
        var calls = KeepCallingAsync(cluster.Api, skus, stopCalls.Token);

        // Signs in as a person would: the handoff leaves the token in a cookie and redirects to a URL without it.
        await page.GotoAsync(new Uri(dashboard, $"?access_token={token}").ToString(), HeadlessChromium.Committed);
        Assert.Equal(dashboard.ToString(), page.Url);
        await page.GotoAsync(new Uri(dashboard, "#/silos").ToString(), HeadlessChromium.Committed);
        foreach (var silo in silos)
        {
            await Expect(page.GetByText(silo).First).ToBeVisibleAsync();
        }

        await Screenshot(page, "dashboard-silos.png");

        await page.GotoAsync(new Uri(dashboard, "#/grains").ToString(), HeadlessChromium.Committed);
        var productRow = page.Locator("tr", new() { HasText = "ProductGrain" }).First;
        await Expect(productRow).ToBeVisibleAsync();
        await Expect(page.Locator("tr", new() { HasText = "CartGrain" }).First).ToBeVisibleAsync();
        // The table refreshes every second: every product grain the calls activated, and their requests per second.
        await Expect(productRow.GetByRole(AriaRole.Cell, new() { Name = products.ToString(), Exact = true })).ToBeVisibleAsync();
        await Expect(productRow).ToContainTextAsync(new Regex(@"(?!0\.00)\d+\.\d\d req/sec"));
        await Screenshot(page, "dashboard-grains.png");

        await page.GotoAsync(dashboard.ToString(), HeadlessChromium.Committed);
        await Expect(page.GetByText("Active Silos")).ToBeVisibleAsync();
        await Screenshot(page, "dashboard-overview.png");

        await stopCalls.CancelAsync();
        await calls;
    }

    private static async Task KeepCallingAsync(HttpClient api, string[] skus, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            await api.Send(HttpMethod.Get, $"/api/products/{skus[i % skus.Length]}").Expect(HttpStatusCode.OK);
            await Task.Delay(20, CancellationToken.None);
        }
    }

    private static async Task<string[]> MakeGrainCallsAsync(HttpClient api, int products)
    {
        var customer = JsonApi.NewKey("customer");
        var skus = Enumerable.Range(0, products).Select(_ => JsonApi.NewKey("sku")).ToArray();
        foreach (var sku in skus)
        {
            await api.Send(HttpMethod.Post, "/api/products", new { sku, name = "Item", description = "", price = 2m, stock = 100 }).Expect(HttpStatusCode.Created);
            await api.Send(HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity = 1 }).Expect(HttpStatusCode.OK);
        }

        return skus;
    }

    private async Task Screenshot(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
