using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ApiDocsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task The_openapi_document_covers_every_endpoint_with_its_schemas_and_errors()
    {
        using var anonymous = fixture.Anonymous();
        var (status, document) = await anonymous.Get("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, status);
        var paths = document!["paths"]!.AsObject();
        Assert.Equal(
            ["/api/admin/cluster", "/api/admin/webhooks", "/api/admin/webhooks/{id}", "/api/admin/webhooks/{id}/dead-letters",
             "/api/admin/webhooks/{id}/dead-letters/replay", "/api/carts/{customerId}", "/api/carts/{customerId}/checkout", "/api/carts/{customerId}/items/{sku}",
             "/api/customers/{customerId}/orders", "/api/events", "/api/orders/{orderId}", "/api/orders/{orderId}/cancel", "/api/orders/{orderId}/deliver", "/api/orders/{orderId}/pay",
             "/api/orders/{orderId}/ship", "/api/orders/{orderId}/shipping", "/api/payments/callbacks", "/api/products", "/api/products/{sku}", "/api/products/{sku}/stock"],
            paths.Select(p => p.Key).Where(p => p.StartsWith("/api/", StringComparison.Ordinal)).Order());

        var checkout = paths["/api/carts/{customerId}/checkout"]!["post"]!;
        Assert.Equal(["201", "400", "401", "403", "404", "409", "413", "422", "429", "503"], Responses(checkout));
        var idempotencyKey = checkout["parameters"]!.AsArray().Single(p => (string)p!["name"]! == "Idempotency-Key")!;
        Assert.Equal(("header", true), ((string)idempotencyKey["in"]!, (bool)idempotencyKey["required"]!));
        Assert.Equal("application/problem+json", ((JsonObject)checkout["responses"]!["409"]!["content"]!).Single().Key);
        Assert.NotNull(checkout["security"]);

        var getProduct = paths["/api/products/{sku}"]!["get"]!;
        Assert.Equal(["200", "304", "400", "404", "429", "503"], Responses(getProduct));
        Assert.Empty(getProduct["security"]!.AsArray());
        Assert.Contains("412", Responses(paths["/api/products/{sku}"]!["put"]!));

        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("ProductView", schemas.Select(s => s.Key));
        Assert.Contains("CreateProductRequest", schemas.Select(s => s.Key));
        // A field outside the document is refused (400), and the document says so.
        Assert.False((bool)schemas["CreateProductRequest"]!["additionalProperties"]!);
        Assert.Equal("bearer", (string)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]!);
    }

    [Fact]
    public async Task The_interactive_reference_is_served_at_docs()
    {
        using var anonymous = fixture.Anonymous();
        using var response = await anonymous.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("OrderActors API", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_passes_the_redocly_linter_without_errors_or_warnings()
    {
        var root = RepositoryRoot();
        var redocly = Path.Combine(root, "tools", "redocly", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), $"Redocly CLI is not installed: run `npm ci --prefix {Path.Combine(root, "tools", "redocly")}` (scripts/test.sh does).");
        var document = Path.Combine(Path.GetTempPath(), $"orderactors-openapi-{Guid.NewGuid():N}.json");
        using (var anonymous = fixture.Anonymous())
        {
            // Addressed as a deployment is: the document's server URL is the host it was asked on, never localhost.
            anonymous.DefaultRequestHeaders.Host = "api.orderactors.test";
            await File.WriteAllTextAsync(document, await anonymous.GetStringAsync("/openapi/v1.json"));
        }

        try
        {
            var start = new ProcessStartInfo(redocly, ["lint", document, "--config", Path.Combine(root, "tools", "redocly", "redocly.yaml"), "--format", "stylish"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["REDOCLY_TELEMETRY"] = "off";
            start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var lint = Process.Start(start)!;
            var output = lint.StandardOutput.ReadToEndAsync();
            var errors = lint.StandardError.ReadToEndAsync();
            await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var report = await output + await errors;

            Assert.True(lint.ExitCode == 0, report);
            Assert.Contains("Your API description is valid", report);
            Assert.DoesNotMatch(@"You have \d+ (warning|error)", report);
        }
        finally
        {
            File.Delete(document);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "OrderActors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("OrderActors.sln not found above the test binaries");
    }

    private static IEnumerable<string> Responses(JsonNode operation) => operation["responses"]!.AsObject().Select(r => r.Key).Order();
}
