using OrderActors.Cluster.Tests;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OrderActors.Dashboard.Tests;

/// <summary>
/// The API reference (/docs, Scalar) in Chromium, under the gateway's security headers: its content security policy is
/// looser than the API's, and this proves it is loose enough. The browser reports every violation to the console.
/// </summary>
public sealed class ApiReferenceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_api_reference_renders_the_document_without_a_content_security_policy_violation()
    {
        await using var cluster = new ProcessCluster();
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();

        await using var chromium = await HeadlessChromium.LaunchAsync(output.WriteLine);
        var page = await chromium.NewPageAsync(TimeSpan.FromSeconds(60));
        var violations = new List<string>();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };

        var response = await page.GotoAsync(new Uri(cluster.GatewayAddress, "/docs/").ToString(), HeadlessChromium.Committed);

        Assert.Contains("script-src 'self'", (await response!.AllHeadersAsync())["content-security-policy"]);
        // Shown once Scalar's scripts have run and loaded the OpenAPI document.
        await Expect(page.GetByText("Download OpenAPI Document").First).ToBeVisibleAsync();
        await Expect(page.GetByText("OrderActors API").First).ToBeVisibleAsync();
        Assert.Empty(violations);
        Assert.Empty(errors);
    }
}
