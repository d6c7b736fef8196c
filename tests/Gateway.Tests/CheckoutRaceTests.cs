extern alias silo;

using System.Net;
using silo::OrderActors.Silo.Verification;

namespace OrderActors.Gateway.Tests;

/// <summary>Many buyers, one product, through the real gateway: exactly the stock is sold and the stored state stays consistent.</summary>
public sealed class CheckoutRaceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Two_hundred_customers_racing_for_the_last_units_buy_exactly_those_units()
    {
        const int units = 17;
        const int customers = 220;
        var sku = await Client.CreateProduct(price: 5m, stock: units);
        var buyers = Enumerable.Range(0, customers).Select(_ => JsonApi.NewKey("buyer")).ToArray();
        await Task.WhenAll(buyers.Select(b => Client.Put($"/api/carts/{b}/items/{sku}", new { quantity = 1 })));

        var results = await Task.WhenAll(buyers.Select(b => Client.Checkout(b)));

        Assert.Equal(units, results.Count(r => r.Status == HttpStatusCode.Created));
        var refused = results.Where(r => r.Status != HttpStatusCode.Created).ToList();
        Assert.All(refused, r =>
        {
            var shortage = r.Problem(HttpStatusCode.Conflict)["shortages"]![0]!;
            Assert.Equal((sku, 1, 0), ((string)shortage["sku"]!, (int)shortage["requested"]!, (int)shortage["available"]!));
        });
        var product = (await Client.Get($"/api/products/{sku}")).Body!;
        Assert.Equal((units, units, 0), ((int)product["onHand"]!, (int)product["reserved"]!, (int)product["available"]!));
        Assert.Empty(await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, fixture.ServiceId, CancellationToken.None));
    }

    [Fact]
    public async Task A_retry_storm_with_one_idempotency_key_creates_one_order_and_every_response_names_it()
    {
        var sku = await Client.CreateProduct(price: 5m, stock: 100);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 3 });

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => Client.Checkout(customer, "one-key")));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        var bodies = results.Select(r => r.Body!.ToJsonString()).Distinct().ToList();
        Assert.Single(bodies);
        Assert.Equal(3, (int)(await Client.Get($"/api/products/{sku}")).Body!["reserved"]!);
        Assert.Empty(await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, fixture.ServiceId, CancellationToken.None));
    }

    [Fact]
    public async Task Repeats_of_one_key_through_two_gateways_create_one_order()
    {
        await using var secondGateway = fixture.Gateway.WithWebHostBuilder(_ => { });
        using var second = GatewayFixture.WithToken(secondGateway.CreateClient(), GatewayFixture.Token("admin", "admin"));
        var sku = await Client.CreateProduct(price: 5m, stock: 100);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 });

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? Client : second).Checkout(customer, "two-gateways")));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(results.Select(r => r.Body!.ToJsonString()).Distinct());
        Assert.Equal(2, (int)(await Client.Get($"/api/products/{sku}")).Body!["reserved"]!);
    }

    [Fact]
    public async Task Checkout_and_payment_without_an_idempotency_key_are_400()
    {
        var sku = await Client.CreateProduct(price: 5m, stock: 100);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 1 });

        var checkout = await Client.Send(HttpMethod.Post, $"/api/carts/{customer}/checkout", new { });
        var orderId = (string)(await Client.Checkout(customer)).Body!["orderId"]!;
        var pay = await Client.Send(HttpMethod.Post, $"/api/orders/{orderId}/pay", new { amount = 5m });

        Assert.NotNull(checkout.Problem(HttpStatusCode.BadRequest)["errors"]!["Idempotency-Key"]);
        Assert.NotNull(pay.Problem(HttpStatusCode.BadRequest)["errors"]!["Idempotency-Key"]);
    }

    [Fact]
    public async Task A_payment_repeated_with_its_key_returns_the_same_body()
    {
        var sku = await Client.CreateProduct(price: 5m, stock: 100);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 });
        var orderId = (string)(await Client.Checkout(customer)).Body!["orderId"]!;

        var first = await Client.Pay(orderId, 10m, "pay-key");
        var again = await Client.Pay(orderId, 10m, "pay-key");
        var otherAmount = await Client.Pay(orderId, 11m, "pay-key");

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(first.Body!.ToJsonString(), again.Body!.ToJsonString());
        otherAmount.Problem(HttpStatusCode.UnprocessableEntity);
    }
}
