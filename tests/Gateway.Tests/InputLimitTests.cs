using System.Net;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class InputLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Strings_over_their_limits_are_field_errors()
    {
        var response = await fixture.Client.Post("/api/products",
            new { sku = JsonApi.NewKey("sku"), name = new string('n', 201), description = new string('d', 4001), price = 1m, stock = 1 });

        var errors = response.Problem(HttpStatusCode.BadRequest)["errors"]!.AsObject();
        Assert.Equal(["description", "name"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_a_413_problem()
    {
        var huge = $"{{\"sku\":\"{JsonApi.NewKey("sku")}\",\"name\":\"x\",\"description\":\"{new string('d', 70_000)}\",\"price\":1}}";

        var response = await fixture.Client.Send(HttpMethod.Post, "/api/products", huge);

        response.Problem(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Money_keeps_its_decimal_precision_end_to_end()
    {
        var sku = await fixture.Client.CreateProduct(price: 0.10m);
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 3 });

        var order = (await fixture.Client.Checkout(customer)).Body!;

        Assert.Equal("0.30", order["total"]!.ToJsonString());
    }
}
