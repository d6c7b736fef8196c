using System.Net;
using System.Text.Json.Nodes;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class CartAndOrderApiTests(GatewayFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_cart_that_was_never_used_is_empty()
    {
        var customer = JsonApi.NewKey("customer");

        var (status, body) = await Client.Get($"/api/carts/{customer}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((customer, 0, 0m), ((string)body!["customerId"]!, body["lines"]!.AsArray().Count, (decimal)body["total"]!));
    }

    [Fact]
    public async Task Cart_lines_are_set_removed_and_cleared()
    {
        var customer = JsonApi.NewKey("customer");
        var a = await Client.CreateProduct(price: 2.50m);
        var b = await Client.CreateProduct(price: 1.00m);

        await Client.Put($"/api/carts/{customer}/items/{a}", new { quantity = 2 });
        var (_, cart) = await Client.Put($"/api/carts/{customer}/items/{b}", new { quantity = 3 });
        Assert.Equal(8.00m, (decimal)cart!["total"]!);
        Assert.Equal(5.00m, (decimal)cart["lines"]![0]!["lineTotal"]!);

        var (_, afterRemove) = await Client.Delete($"/api/carts/{customer}/items/{a}");
        Assert.Equal(b, (string)afterRemove!["lines"]!.AsArray().Single()!["sku"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await Client.Delete($"/api/carts/{customer}")).Status);
        Assert.Empty((await Client.Get($"/api/carts/{customer}")).Body!["lines"]!.AsArray());
    }

    [Fact]
    public async Task Cart_refusals_are_problems()
    {
        var customer = JsonApi.NewKey("customer");
        var usd = await Client.CreateProduct(currency: "USD");
        var eur = await Client.CreateProduct(currency: "EUR");
        await Client.Put($"/api/carts/{customer}/items/{usd}", new { quantity = 1 });

        (await Client.Put($"/api/carts/{customer}/items/{usd}", new { quantity = 1001 })).Problem(HttpStatusCode.BadRequest);
        (await Client.Put($"/api/carts/{customer}/items/{usd}", new { })).Problem(HttpStatusCode.BadRequest);
        (await Client.Put($"/api/carts/{customer}/items/{JsonApi.NewKey("missing")}", new { quantity = 1 })).Problem(HttpStatusCode.NotFound);
        (await Client.Put($"/api/carts/{customer}/items/{eur}", new { quantity = 1 })).Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Checkout_creates_an_order_that_is_paid_shipped_and_delivered()
    {
        var customer = JsonApi.NewKey("customer");
        var sku = await Client.CreateProduct(price: 3.25m, stock: 10);
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 });

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{customer}/checkout") { Headers = { { "Idempotency-Key", "first-try" } } };
        using var checkout = await Client.SendAsync(request);
        var order = JsonNode.Parse(await checkout.Content.ReadAsStringAsync())!;
        var id = (string)order["orderId"]!;

        Assert.Equal(HttpStatusCode.Created, checkout.StatusCode);
        Assert.Equal($"/api/orders/{id}", checkout.Headers.Location?.ToString());
        Assert.Equal(("PendingPayment", 6.50m, "USD", customer), ((string)order["status"]!, (decimal)order["total"]!, (string)order["currency"]!, (string)order["customerId"]!));
        Assert.Empty((await Client.Get($"/api/carts/{customer}")).Body!["lines"]!.AsArray());

        (await Client.Pay(id, 6.49m)).Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Paid", (string)(await Client.Pay(id, 6.50m)).Body!["status"]!);
        var payAgain = (await Client.Pay(id, 6.50m)).Problem(HttpStatusCode.Conflict);
        Assert.Equal("Paid", (string)payAgain["currentStatus"]!);
        Assert.Equal("Shipped", (string)(await Client.Post($"/api/orders/{id}/ship")).Body!["status"]!);
        Assert.Equal("Delivered", (string)(await Client.Post($"/api/orders/{id}/deliver")).Body!["status"]!);

        var (_, final) = await Client.Get($"/api/orders/{id}");
        Assert.Equal(["PendingPayment", "Paid", "Shipped", "Delivered"], final!["history"]!.AsArray().Select(h => (string)h!["status"]!));
        Assert.NotNull(final["createdAt"]);
        Assert.Equal(8, (int)(await Client.Get($"/api/products/{sku}")).Body!["onHand"]!);
    }

    [Fact]
    public async Task Checkout_short_of_stock_is_a_409_with_shortages_and_keeps_the_cart()
    {
        var customer = JsonApi.NewKey("customer");
        var scarce = await Client.CreateProduct(stock: 2);
        await Client.Put($"/api/carts/{customer}/items/{scarce}", new { quantity = 3 });

        var problem = (await Client.Checkout(customer)).Problem(HttpStatusCode.Conflict);

        var shortage = problem["shortages"]!.AsArray().Single()!;
        Assert.Equal((scarce, 3, 2), ((string)shortage["sku"]!, (int)shortage["requested"]!, (int)shortage["available"]!));
        Assert.Single((await Client.Get($"/api/carts/{customer}")).Body!["lines"]!.AsArray());
    }

    [Fact]
    public async Task Checkout_of_an_empty_cart_is_a_400()
    {
        (await Client.Checkout(JsonApi.NewKey("customer"))).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Cancel_releases_stock_and_forbidden_transitions_name_the_status()
    {
        var customer = JsonApi.NewKey("customer");
        var sku = await Client.CreateProduct(stock: 5);
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 5 });
        var id = (string)(await Client.Checkout(customer)).Body!["orderId"]!;

        var ship = (await Client.Post($"/api/orders/{id}/ship")).Problem(HttpStatusCode.Conflict);
        Assert.Equal("PendingPayment", (string)ship["currentStatus"]!);
        Assert.Equal("Cancelled", (string)(await Client.Post($"/api/orders/{id}/cancel")).Body!["status"]!);
        Assert.Equal("Cancelled", (string)(await Client.Post($"/api/orders/{id}/deliver")).Problem(HttpStatusCode.Conflict)["currentStatus"]!);
        Assert.Equal(5, (int)(await Client.Get($"/api/products/{sku}")).Body!["available"]!);
    }

    [Fact]
    public async Task Unknown_order_is_a_404_and_a_missing_amount_a_400()
    {
        var id = JsonApi.NewKey("order");

        (await Client.Get($"/api/orders/{id}")).Problem(HttpStatusCode.NotFound);
        (await Client.Send(HttpMethod.Post, $"/api/orders/{id}/pay", new { }, "some-key")).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Admin_cluster_lists_the_active_silo()
    {
        var (status, body) = await Client.Get("/api/admin/cluster");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, (int)body!["activeSilos"]!);
        Assert.Contains(body["silos"]!.AsArray(), s => (string)s!["status"]! == "Active" && (int?)s["activations"] > 0);
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/health/ready")).StatusCode);
    }
}
