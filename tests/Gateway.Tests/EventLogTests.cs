using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The transactional outbox on real PostgreSQL: each change's events reach the log in the write that stores the
/// change — gap-free per entity, with their actor and the data a consumer needs — and nowhere else.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class EventLogTests(GatewayFixture fixture)
{
    private HttpClient Admin => fixture.Client;

    private HttpClient Payments => fixture.Payments;

    [Fact]
    public async Task Product_changes_are_logged_in_sequence_with_their_actor_and_the_product_as_it_became()
    {
        var sku = await Admin.CreateProduct(price: 3m, stock: 10);
        await Admin.Put($"/api/products/{sku}", new { name = "Renamed", description = "", price = 4.5m, currency = "USD" });
        await Admin.Post($"/api/products/{sku}/stock", new { delta = -2 });
        await Admin.Delete($"/api/products/{sku}");

        var events = await Logged("product", sku);

        Assert.Equal(["product.created", "product.updated", "product.stock_adjusted", "product.deactivated"], events.Select(e => e.Type));
        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Sequence));
        Assert.All(events, e => Assert.Equal("admin", e.Actor));
        Assert.Equal(4.5m, (decimal)events[1].Data["product"]!["price"]!);
        Assert.Equal(-2, (int)events[2].Data["delta"]!);
        Assert.Equal(8, (int)events[2].Data["product"]!["onHand"]!);
        Assert.False((bool)events[3].Data["product"]!["active"]!);
        Assert.Equal([1L, 2, 3, 4], events.Select(e => (long)e.Data["product"]!["version"]!));
        Assert.Equal([4L], await StoredOutbox("product", sku));
    }

    [Fact]
    public async Task An_order_logs_placed_paid_and_shipped_with_its_lines_totals_and_who_did_each_step()
    {
        var sku = await Admin.CreateProduct(price: 2.5m, stock: 10);
        var customer = JsonApi.NewKey("customer");
        var client = fixture.ClientFor(customer);
        await client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 2 });
        var checkout = await client.Checkout(customer);
        Assert.True(checkout.Status == HttpStatusCode.Created, checkout.Body?.ToJsonString());
        var orderId = (string)checkout.Body!["orderId"]!;
        var paid = await Payments.Pay(orderId, 5m);
        Assert.True(paid.Status == HttpStatusCode.OK, paid.Body?.ToJsonString());
        var shipped = await Admin.Post($"/api/orders/{orderId}/ship");
        Assert.True(shipped.Status == HttpStatusCode.OK, shipped.Body?.ToJsonString());

        var events = await Logged("order", orderId);

        Assert.Equal(["order.placed", "order.paid", "order.shipped"], events.Select(e => e.Type));
        Assert.Equal([1L, 2, 3], events.Select(e => e.Sequence));
        Assert.Equal([customer, "payments", "admin"], events.Select(e => e.Actor));
        var placed = events[0].Data["order"]!;
        Assert.Equal((customer, "PendingPayment", 5m, "USD"),
            ((string)placed["customerId"]!, (string)placed["status"]!, (decimal)placed["total"]!, (string)placed["currency"]!));
        var line = Assert.Single(placed["lines"]!.AsArray())!;
        Assert.Equal((sku, 2, 2.5m), ((string)line["sku"]!, (int)line["quantity"]!, (decimal)line["unitPrice"]!));
        Assert.Equal("Shipped", (string)events[2].Data["order"]!["status"]!);
        Assert.Equal([customer, "payments", "admin"], events[2].Data["order"]!["history"]!.AsArray().Select(h => (string)h!["actor"]!));
        Assert.Equal([3L], await StoredOutbox("order", orderId));
    }

    [Fact]
    public async Task Reservations_and_sales_are_logged_as_stock_changes_ending_on_the_products_current_stock()
    {
        var sku = await Admin.CreateProduct(price: 1m, stock: 10);
        var customer = JsonApi.NewKey("customer");
        var client = fixture.ClientFor(customer);
        await client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 3 });
        var orderId = (string)(await client.Checkout(customer)).Body!["orderId"]!;
        Assert.Equal(HttpStatusCode.OK, (await Payments.Pay(orderId, 3m)).Status);

        var current = (long)(await Admin.Get($"/api/products/{sku}")).Body!["version"]!;

        // Stock changes are announced once per Events:StockChangeInterval (250 ms), two in a row after a quiet one; the last one always.
        var events = await Poll.Until(() => Logged("product", sku), logged => (long)logged[^1].Data["product"]!["version"]! == current, TimeSpan.FromSeconds(10));

        Assert.Equal("product.created", events[0].Type);
        Assert.True(events.Count > 1);
        Assert.All(events.Skip(1), e => Assert.Equal("product.stock_changed", e.Type));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var last = events[^1].Data["product"]!;
        Assert.Equal((7, 0, 7), ((int)last["onHand"]!, (int)last["reserved"]!, (int)last["available"]!));
        Assert.Equal(current, (long)last["version"]!);
    }

    [Fact]
    public async Task A_write_the_storage_refused_logs_nothing_and_its_retry_logs_one_event()
    {
        var sku = await Admin.CreateProduct(price: 1m);
        await Execute("UPDATE OrleansStorage SET Version = Version + 7 WHERE ServiceId = @service AND GrainTypeString = 'product' AND GrainIdExtensionString = @key", sku);

        var refused = await Admin.Put($"/api/products/{sku}", new { name = "Thing", description = "", price = 2m, currency = "USD" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal(["product.created"], (await Logged("product", sku)).Select(e => e.Type));

        Assert.Equal(HttpStatusCode.OK, (await Admin.Put($"/api/products/{sku}", new { name = "Thing", description = "", price = 2m, currency = "USD" })).Status);
        var events = await Logged("product", sku);
        Assert.Equal(["product.created", "product.updated"], events.Select(e => e.Type));
        Assert.Equal([1L, 2], events.Select(e => e.Sequence));
    }

    private Task<List<EventLogReader.Event>> Logged(string type, string id) => EventLogReader.Logged(fixture.ServiceId, type, id);

    /// <summary>The sequences of the stored outbox: only the last write's events, as every earlier write's are in the log.</summary>
    private async Task<List<long>> StoredOutbox(string type, string id)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT state FROM OrleansStorage, convert_from(PayloadBinary, 'UTF8') AS state
            WHERE ServiceId = @service AND GrainTypeString = @type AND state::jsonb->'outbox'->>'entityId' = @key
            """,
            connection);
        command.Parameters.AddWithValue("service", fixture.ServiceId);
        command.Parameters.AddWithValue("type", type);
        command.Parameters.AddWithValue("key", id);
        var state = JsonNode.Parse((string)(await command.ExecuteScalarAsync())!)!;
        return state["outbox"]!["pending"]!.AsArray().Select(e => (long)e!["sequence"]!).ToList();
    }

    private async Task Execute(string sql, string key)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("service", fixture.ServiceId);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync();
    }
}
