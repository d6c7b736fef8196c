using System.Net;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// Shipping details through the real gateway on PostgreSQL: validated per field at checkout and on change, snapshotted
/// on the order, shown only to its owner and admins, required to ship products that need shipping, never logged.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ShippingTests(GatewayFixture fixture)
{
    private HttpClient Admin => fixture.Client;

    private static object Details(string recipient = "Alice Martin", string email = "alice@example.com") => new
    {
        shippingAddress = new { recipientName = recipient, line1 = "12 rue des Lilas", line2 = "Bâtiment B", city = "Lyon", region = (string?)null, postalCode = "69003", country = "FR" },
        contact = new { email, phone = "+33612345678" },
    };

    [Fact]
    public async Task Checkout_snapshots_the_shipping_details_and_the_owner_sees_them_on_the_order()
    {
        var (customerId, customer) = await CartWith(await Admin.CreateProduct(price: 2m));

        var checkout = await customer.Send(HttpMethod.Post, $"/api/carts/{customerId}/checkout", Details(), Guid.NewGuid().ToString());

        Assert.True(checkout.Status == HttpStatusCode.Created, checkout.Body?.ToJsonString());
        var order = (await customer.Get($"/api/orders/{(string)checkout.Body!["orderId"]!}")).Body!;
        Assert.Equal(("Alice Martin", "FR", "alice@example.com", "+33612345678"),
            ((string)order["shipping"]!["shippingAddress"]!["recipientName"]!, (string)order["shipping"]!["shippingAddress"]!["country"]!,
             (string)order["shipping"]!["contact"]!["email"]!, (string)order["shipping"]!["contact"]!["phone"]!));
    }

    [Fact]
    public async Task Invalid_shipping_details_are_a_400_naming_each_field_and_create_no_order()
    {
        var (customerId, customer) = await CartWith(await Admin.CreateProduct(price: 2m));
        var bad = new
        {
            shippingAddress = new { recipientName = " ", line1 = "1 Main St", city = "Springfield", postalCode = "!!", country = "fr" },
            contact = new { email = "not-an-email", phone = "0612345678" },
        };

        var refused = await customer.Send(HttpMethod.Post, $"/api/carts/{customerId}/checkout", bad, Guid.NewGuid().ToString());
        var notACountry = await customer.Send(HttpMethod.Post, $"/api/carts/{customerId}/checkout",
            new { shippingAddress = new { recipientName = "A", line1 = "1", city = "C", postalCode = "1", country = "EU" } }, Guid.NewGuid().ToString());

        var errors = refused.Problem(HttpStatusCode.BadRequest)["errors"]!.AsObject();
        Assert.Equal(["contact.email", "contact.phone", "shippingAddress.country", "shippingAddress.postalCode", "shippingAddress.recipientName"],
            errors.Select(e => e.Key).Order());
        Assert.NotNull(notACountry.Problem(HttpStatusCode.BadRequest)["errors"]!["shippingAddress.country"]);
        Assert.Single((await customer.Get($"/api/carts/{customerId}")).Body!["lines"]!.AsArray());
    }

    [Fact]
    public async Task An_order_of_a_product_that_needs_shipping_ships_only_with_an_address_and_its_details_change_until_then()
    {
        var sku = await Admin.CreateProduct(price: 3m);
        Assert.True((bool)(await Admin.Put($"/api/products/{sku}", new { name = "Thing", description = "", price = 3m, currency = "USD", requiresShipping = true })).Body!["requiresShipping"]!);
        var (customerId, customer) = await CartWith(sku);
        var orderId = (string)(await customer.Checkout(customerId)).Body!["orderId"]!;
        await fixture.Payments.Pay(orderId, 3m);

        var refused = (await Admin.Post($"/api/orders/{orderId}/ship")).Problem(HttpStatusCode.Conflict);
        var changed = await customer.Put($"/api/orders/{orderId}/shipping", Details(recipient: "Alice M."));
        var shipped = await Admin.Post($"/api/orders/{orderId}/ship");
        var tooLate = await customer.Put($"/api/orders/{orderId}/shipping", Details());

        Assert.Contains("shippingAddress", (string)refused["detail"]!);
        Assert.Equal(HttpStatusCode.OK, changed.Status);
        var history = changed.Body!["history"]!.AsArray();
        Assert.Equal(("Paid", "shipping details changed", customerId), ((string)history[^1]!["status"]!, (string)history[^1]!["reason"]!, (string)history[^1]!["actor"]!));
        Assert.Equal("Shipped", (string)shipped.Body!["status"]!);
        Assert.Equal("Alice M.", (string)shipped.Body["shipping"]!["shippingAddress"]!["recipientName"]!);
        tooLate.Problem(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Products_that_need_no_shipping_ship_without_an_address_and_requires_shipping_is_kept_when_an_update_leaves_it_out()
    {
        var digital = await Admin.CreateProduct(price: 1m);
        var parcel = JsonApi.NewKey("sku");
        var created = await Admin.Post("/api/products", new { sku = parcel, name = "Parcel", description = "", price = 1m, stock = 5, requiresShipping = true });
        var updated = await Admin.Put($"/api/products/{parcel}", new { name = "Parcel", description = "Heavy", price = 1m, currency = "USD" });
        var (customerId, customer) = await CartWith(digital);
        var orderId = (string)(await customer.Checkout(customerId)).Body!["orderId"]!;
        await fixture.Payments.Pay(orderId, 1m);

        Assert.Equal((true, true, false), ((bool)created.Body!["requiresShipping"]!, (bool)updated.Body!["requiresShipping"]!, (bool)(await Admin.Get($"/api/products/{digital}")).Body!["requiresShipping"]!));
        Assert.Equal("Shipped", (string)(await Admin.Post($"/api/orders/{orderId}/ship")).Body!["status"]!);
    }

    [Fact]
    public async Task A_customer_can_neither_read_nor_change_another_customers_shipping_details()
    {
        var (aliceId, alice) = await CartWith(await Admin.CreateProduct(price: 2m));
        var orderId = (string)(await alice.Send(HttpMethod.Post, $"/api/carts/{aliceId}/checkout", Details(), Guid.NewGuid().ToString())).Body!["orderId"]!;
        using var bob = fixture.ClientFor(JsonApi.NewKey("bob"));

        (await bob.Get($"/api/orders/{orderId}")).Problem(HttpStatusCode.NotFound);
        (await bob.Put($"/api/orders/{orderId}/shipping", Details(recipient: "Bob's friend"))).Problem(HttpStatusCode.NotFound);

        Assert.Equal("Alice Martin", (string)(await alice.Get($"/api/orders/{orderId}")).Body!["shipping"]!["shippingAddress"]!["recipientName"]!);
    }

    [Fact]
    public async Task Shipping_details_never_reach_the_logs()
    {
        var email = JsonApi.NewKey("mail") + "@example.com";
        var recipient = "Recipient " + Guid.NewGuid().ToString("N")[..10];
        var (customerId, customer) = await CartWith(await Admin.CreateProduct(price: 2m));
        var orderId = (string)(await customer.Send(HttpMethod.Post, $"/api/carts/{customerId}/checkout", Details(recipient, email), Guid.NewGuid().ToString())).Body!["orderId"]!;
        Assert.Equal(HttpStatusCode.OK, (await customer.Put($"/api/orders/{orderId}/shipping", Details(recipient, email))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await customer.Put($"/api/orders/{orderId}/shipping", Details(recipient, email + " bad"))).Status);

        var everything = fixture.GatewayLogs.Events.Concat(fixture.SiloLogs.Events).Select(LogCapture.Render).ToList();

        Assert.Contains(everything, line => line.Contains(orderId, StringComparison.Ordinal));
        Assert.DoesNotContain(everything, line => line.Contains(email, StringComparison.OrdinalIgnoreCase) || line.Contains(recipient, StringComparison.Ordinal));
        Assert.DoesNotContain(everything, line => line.Contains("+33612345678", StringComparison.Ordinal) || line.Contains("rue des Lilas", StringComparison.Ordinal));
    }

    private async Task<(string CustomerId, HttpClient Customer)> CartWith(string sku)
    {
        var customerId = JsonApi.NewKey("customer");
        var customer = fixture.ClientFor(customerId);
        Assert.Equal(HttpStatusCode.OK, (await customer.Put($"/api/carts/{customerId}/items/{sku}", new { quantity = 1 })).Status);
        return (customerId, customer);
    }
}
