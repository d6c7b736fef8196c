using System.Net;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AuthTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Without_a_token_writes_and_carts_are_a_401_problem_but_product_reads_are_public()
    {
        var sku = await fixture.Client.CreateProduct();
        using var anonymous = fixture.Anonymous();

        var write = await anonymous.Post("/api/products", new { sku = JsonApi.NewKey("sku"), name = "X", description = "", price = 1m, stock = 1 });
        var cart = await anonymous.Get($"/api/carts/{JsonApi.NewKey("customer")}");
        var read = await anonymous.Get($"/api/products/{sku}");

        write.Problem(HttpStatusCode.Unauthorized);
        cart.Problem(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, read.Status);
    }

    [Fact]
    public async Task A_public_read_runs_no_authentication_even_with_a_token_while_a_protected_route_does()
    {
        var sku = await fixture.Client.CreateProduct();
        // ASP.NET Core times every authentication; only this gateway's meters are listened to (other hosts run in this process).
        var meters = fixture.Gateway.Services.GetRequiredService<IMeterFactory>();
        var authentications = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "aspnetcore.authentication.authenticate.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref authentications));
        listener.Start();

        var read = await fixture.Client.Get($"/api/products/{sku}"); // the client sends an admin token
        var afterRead = Volatile.Read(ref authentications);
        var cart = await fixture.Client.Get($"/api/carts/{JsonApi.NewKey("customer")}");

        Assert.Equal((HttpStatusCode.OK, 0), (read.Status, afterRead));
        Assert.Equal((HttpStatusCode.OK, 1), (cart.Status, Volatile.Read(ref authentications)));
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_a_401()
    {
        using var client = fixture.Anonymous();
        var forged = Hosting.DevToken.Mint(new() { SigningKey = "some-other-key-that-is-long-enough-0123456789" }, "admin", ["admin"], TimeSpan.FromHours(1));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);

        (await client.Get("/api/admin/cluster")).Problem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_customer_is_refused_admin_work_with_a_403()
    {
        var sku = await fixture.Client.CreateProduct();
        using var customer = fixture.ClientFor(JsonApi.NewKey("customer"));

        (await customer.Post("/api/products", new { sku = JsonApi.NewKey("sku"), name = "X", description = "", price = 1m, stock = 1 })).Problem(HttpStatusCode.Forbidden);
        (await customer.Post($"/api/products/{sku}/stock", new { delta = 5 })).Problem(HttpStatusCode.Forbidden);
        (await customer.Get("/api/admin/cluster")).Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_customer_reaches_their_own_cart_and_orders_and_someone_elses_are_404()
    {
        var sku = await fixture.Client.CreateProduct(price: 4m);
        var alice = JsonApi.NewKey("alice");
        var bob = JsonApi.NewKey("bob");
        using var asAlice = fixture.ClientFor(alice);
        using var asBob = fixture.ClientFor(bob);

        Assert.Equal(HttpStatusCode.OK, (await asAlice.Put($"/api/carts/{alice}/items/{sku}", new { quantity = 1 })).Status);
        (await asBob.Get($"/api/carts/{alice}")).Problem(HttpStatusCode.NotFound);
        (await asBob.Put($"/api/carts/{alice}/items/{sku}", new { quantity = 1 })).Problem(HttpStatusCode.NotFound);
        var order = (string)(await asAlice.Checkout(alice)).Body!["orderId"]!;

        (await asBob.Get($"/api/orders/{order}")).Problem(HttpStatusCode.NotFound);
        (await asBob.Post($"/api/orders/{order}/cancel")).Problem(HttpStatusCode.NotFound);
        Assert.Equal("PendingPayment", (string)(await asAlice.Get($"/api/orders/{order}")).Body!["status"]!);
        Assert.Equal("Paid", (string)(await fixture.Client.Pay(order, 4m)).Body!["status"]!);
        (await asAlice.Post($"/api/orders/{order}/ship")).Problem(HttpStatusCode.Forbidden);
        Assert.Equal("Shipped", (string)(await fixture.Client.Post($"/api/orders/{order}/ship")).Body!["status"]!);
    }

    [Fact]
    public async Task Only_admins_and_the_payments_role_record_payments_and_a_customer_cannot_pay_even_their_own_order()
    {
        var sku = await fixture.Client.CreateProduct(price: 3m);
        var alice = JsonApi.NewKey("alice");
        using var asAlice = fixture.ClientFor(alice);
        using var provider = fixture.ClientFor("payment-provider", "payments");
        await asAlice.Put($"/api/carts/{alice}/items/{sku}", new { quantity = 1 });
        var order = (string)(await asAlice.Checkout(alice)).Body!["orderId"]!;

        (await asAlice.Pay(order, 3m)).Problem(HttpStatusCode.Forbidden);
        (await fixture.ClientFor("integration", "integration").Pay(order, 3m)).Problem(HttpStatusCode.Forbidden);
        Assert.Equal("PendingPayment", (string)(await asAlice.Get($"/api/orders/{order}")).Body!["status"]!);
        var paid = (await provider.Pay(order, 3m)).Body!;
        Assert.Equal(("Paid", "payment-provider"), ((string)paid["status"]!, (string)paid["history"]![1]!["actor"]!));
        (await provider.Post($"/api/orders/{order}/cancel")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_customers_unknown_order_is_a_404_like_someone_elses()
    {
        using var customer = fixture.ClientFor(JsonApi.NewKey("customer"));

        (await customer.Get($"/api/orders/{JsonApi.NewKey("order")}")).Problem(HttpStatusCode.NotFound);
    }
}
