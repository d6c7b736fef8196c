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
            ["/api/admin/cluster", "/api/carts/{customerId}", "/api/carts/{customerId}/checkout", "/api/carts/{customerId}/items/{sku}",
             "/api/customers/{customerId}/orders", "/api/orders/{orderId}", "/api/orders/{orderId}/cancel", "/api/orders/{orderId}/deliver", "/api/orders/{orderId}/pay",
             "/api/orders/{orderId}/ship", "/api/products", "/api/products/{sku}", "/api/products/{sku}/stock"],
            paths.Select(p => p.Key).Where(p => p.StartsWith("/api/", StringComparison.Ordinal)).Order());

        var checkout = paths["/api/carts/{customerId}/checkout"]!["post"]!;
        Assert.Equal(["201", "400", "401", "403", "404", "409", "429", "503"], Responses(checkout));
        Assert.Equal("application/problem+json", ((JsonObject)checkout["responses"]!["409"]!["content"]!).Single().Key);
        Assert.NotNull(checkout["security"]);

        var getProduct = paths["/api/products/{sku}"]!["get"]!;
        Assert.Equal(["200", "304", "400", "404", "429", "503"], Responses(getProduct));
        Assert.Null(getProduct["security"]);
        Assert.Contains("412", Responses(paths["/api/products/{sku}"]!["put"]!));

        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains("ProductView", schemas.Select(s => s.Key));
        Assert.Contains("CreateProductRequest", schemas.Select(s => s.Key));
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

    private static IEnumerable<string> Responses(JsonNode operation) => operation["responses"]!.AsObject().Select(r => r.Key).Order();
}
