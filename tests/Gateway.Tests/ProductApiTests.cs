using System.Net;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ProductApiTests(GatewayFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Post_creates_a_product_with_location_and_default_currency()
    {
        var sku = JsonApi.NewKey("sku");
        using var response = await Client.PostAsync("/api/products", Json(new { sku, name = "Widget", description = "A widget", price = 9.99m, stock = 5 }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/products/{sku}", response.Headers.Location?.ToString());
        var (status, body) = await Client.Get($"/api/products/{sku}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("Widget", 9.99m, "USD", 5, 0, 5, true), ((string)body!["name"]!, (decimal)body["price"]!, (string)body["currency"]!,
            (int)body["onHand"]!, (int)body["reserved"]!, (int)body["available"]!, (bool)body["active"]!));
    }

    [Fact]
    public async Task Posting_an_existing_sku_is_a_409()
    {
        var sku = await Client.CreateProduct();

        var response = await Client.Post("/api/products", new { sku, name = "Again", description = "", price = 1m, stock = 1 });

        response.Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Invalid_fields_are_a_400_with_field_errors()
    {
        var response = await Client.Post("/api/products", new { sku = JsonApi.NewKey("sku"), name = "", description = "", price = 1.999m, currency = "ABC", stock = -3 });

        var errors = response.Problem(HttpStatusCode.BadRequest)["errors"]!.AsObject();
        Assert.Equal(["currency", "name", "price", "stock"], errors.Select(e => e.Key).Order());
    }

    [Theory]
    [InlineData("{\"sku\": ")]
    [InlineData("{\"sku\": \"a\", \"price\": \"ten\"}")]
    [InlineData("[1, 2]")]
    public async Task Malformed_json_is_a_400_problem(string body)
    {
        var response = await Client.Send(HttpMethod.Post, "/api/products", body);

        Assert.Contains("JSON", (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!);
    }

    [Fact]
    public async Task A_field_the_api_does_not_know_is_a_400_naming_it_and_creates_nothing()
    {
        var sku = JsonApi.NewKey("sku");

        // "onHand" is the view's name for what a new product calls "stock": dropping it would create a product with none.
        var response = await Client.Post("/api/products", new { sku, name = "Widget", description = "", price = 1m, onHand = 10 });

        var detail = (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!;
        Assert.Contains("'onHand'", detail);
        Assert.DoesNotContain("OrderActors", detail); // no type names of ours
        (await Client.Get($"/api/products/{sku}")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_product_is_a_404_problem()
    {
        (await Client.Get($"/api/products/{JsonApi.NewKey("missing")}")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_route_key_outside_the_identifier_rule_is_a_400()
    {
        var response = await Client.Get("/api/products/" + new string('x', 65));

        Assert.NotNull(response.Problem(HttpStatusCode.BadRequest)["errors"]!["sku"]);
    }

    [Fact]
    public async Task Put_updates_details_and_price()
    {
        var sku = await Client.CreateProduct(price: 5m);

        var (status, body) = await Client.Put($"/api/products/{sku}", new { name = "Renamed", description = "New", price = 6.50m, currency = "EUR" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("Renamed", 6.50m, "EUR"), ((string)body!["name"]!, (decimal)body["price"]!, (string)body["currency"]!));
    }

    [Fact]
    public async Task Stock_delta_is_applied_and_refused_below_reserved()
    {
        var sku = await Client.CreateProduct(stock: 10);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 4 });
        Assert.Equal(HttpStatusCode.Created, (await Client.Checkout(customer)).Status);

        var added = await Client.Post($"/api/products/{sku}/stock", new { delta = 5 });
        var refused = await Client.Post($"/api/products/{sku}/stock", new { delta = -12 });

        Assert.Equal(15, (int)added.Body!["onHand"]!);
        refused.Problem(HttpStatusCode.Conflict);
        Assert.Equal(11, (int)(await Client.Get($"/api/products/{sku}")).Body!["available"]!);
    }

    [Fact]
    public async Task Delete_deactivates_and_carts_refuse_the_product()
    {
        var sku = await Client.CreateProduct();

        var (status, _) = await Client.Delete($"/api/products/{sku}");
        var add = await Client.Put($"/api/carts/{JsonApi.NewKey("customer")}/items/{sku}", new { quantity = 1 });

        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.False((bool)(await Client.Get($"/api/products/{sku}")).Body!["active"]!);
        add.Problem(HttpStatusCode.Conflict);
    }

    private static StringContent Json(object value) =>
        new(System.Text.Json.JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}
