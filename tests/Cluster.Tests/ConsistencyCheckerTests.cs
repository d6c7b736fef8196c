using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Deadlines;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrderActors.Grains;
using OrderActors.Silo.ReadModel;
using OrderActors.Silo.Schema;
using OrderActors.Silo.Verification;
using Orleans.Configuration;

namespace OrderActors.Cluster.Tests;

/// <summary>The checker itself: it must see each kind of damage, and nothing in a consistent store.</summary>
public sealed class ConsistencyCheckerTests
{
    private readonly string serviceId = "checker-tests-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_consistent_store_has_no_violation()
    {
        // order-1's reservation is not acknowledged yet (the product keeps its record), order-4's is (counted, no
        // record); order-5 bought one unit; order-9 was sold one unit but has not stored its payment (a record of the
        // sale: counted as sold, not reserved). order-4 holds reservation 4, still open; order-9's sale closed 9.
        var product = Product("sku-1", onHand: 10, ("order-1", 2));
        product.Open.Open(4);
        product.Reserved += 3;
        (product.Sold, product.OnHand) = (2, 8);
        product.InitialStock = 10;
        product.Reservations["order-9"] = new ReservationState { Quantity = 1, ReservedAt = DateTimeOffset.UtcNow, Stage = ReservationStage.Committed };
        var selling = Order("order-9", OrderStatus.PendingPayment, ("sku-1", 1));
        selling.CheckoutKey = "key-9";
        var paid = Order("order-5", OrderStatus.Paid, ("sku-1", 1));
        (paid.PaymentKey, paid.CheckoutKey) = ("pay-5", "key-5");
        selling.Lines[0].ReservationNumber = 9;
        var acknowledged = Order("order-4", OrderStatus.PendingPayment, ("sku-1", 3));
        (acknowledged.CheckoutKey, acknowledged.Lines[0].ReservationNumber) = ("key-4", 4);
        await Store("product", "sku-1", product);
        await Store("order", "order-1", Order("order-1", OrderStatus.PendingPayment, ("sku-1", 2)));
        await Store("order", "order-4", acknowledged);
        await Store("order", "order-5", paid);
        await Store("order", "order-9", selling);
        await Remind("product/sku-1", ProductGrain.AuditReminder);
        // order-1 and order-9 are tracked by a deadline shard; order-4 was stored with a reminder of its own.
        await Store("deadlines", "orders-0", new DeadlineState { Shard = "orders-0", Due = { ["order-1"] = DateTimeOffset.UtcNow, ["order-9"] = DateTimeOffset.UtcNow } });
        await Remind("deadlines/orders-0", DeadlineGrain.ReminderName);
        await Remind("order/order-4", OrderGrain.ReminderName);

        Assert.Empty(await Check());
    }

    [Fact]
    public async Task Each_kind_of_damage_is_reported()
    {
        var broken = Product("sku-2", onHand: 5, ("ghost", 3), ("order-2", 1));
        broken.Reserved = 9;
        await Store("product", "sku-2", broken);
        await Store("order", "order-2", Order("order-2", OrderStatus.PendingPayment, ("sku-2", 2)));
        var unheld = Order("order-3", OrderStatus.PendingPayment, ("sku-2", 1));
        unheld.Lines[0].ReservationNumber = 7;
        await Store("order", "order-3", unheld);
        var paid = Order("order-6", OrderStatus.Paid, ("sku-2", 2));
        paid.PaymentKey = "pay-6";
        await Store("order", "order-6", paid);
        await Store("deadlines", "orders-1", new DeadlineState { Shard = "orders-1", Due = { ["order-6"] = DateTimeOffset.UtcNow } });

        var violations = await Check();

        Assert.Contains(violations, v => v.Contains("outside 0..onHand"));
        Assert.Contains(violations, v => v.Contains("reserved is 9 but orders awaiting payment hold 3 and other reservations 3"));
        Assert.Contains(violations, v => v.Contains("reservation of 3 for order ghost"));
        Assert.Contains(violations, v => v.Contains("reservation of 1 for order order-2 whose status is PendingPayment and whose line for it is 2"));
        Assert.Contains(violations, v => v.Contains("sold is 0 but paid orders bought 2"));
        Assert.Contains(violations, v => v.Contains("produced 3 orders"));
        Assert.Contains(violations, v => v.Contains("no audit reminder"));
        Assert.Contains(violations, v => v.Contains("order order-3: PendingPayment tracked by no deadline shard"));
        Assert.Contains(violations, v => v.Contains("order order-3: awaits payment under reservation 7 of sku-2, which that product no longer holds"));
        // order-2's reservation is still recorded unacknowledged: the product's audit brings its deadline back.
        Assert.DoesNotContain(violations, v => v.Contains("order order-2:"));
        Assert.Contains(violations, v => v.Contains("deadline shard orders-1: tracks 1 orders but has no reminder"));
    }

    [Fact]
    public async Task Listings_that_do_not_show_what_is_stored_are_reported_once_older_than_the_allowed_lag()
    {
        var paid = Order("order-7", OrderStatus.Paid, ("sku-3", 1));
        (paid.PaymentKey, paid.CheckoutKey, paid.History) = ("pay-7", "key-7", [new(OrderStatus.PendingPayment, DateTimeOffset.UtcNow, null), new(OrderStatus.Paid, DateTimeOffset.UtcNow, null)]);
        var product = Product("sku-3", onHand: 9);
        (product.Sold, product.InitialStock, product.Version) = (1, 10, 4);
        var missing = Order("order-8", OrderStatus.Cancelled, ("sku-4", 1));
        missing.CheckoutKey = "key-8";
        await Store("product", "sku-3", product, age: TimeSpan.FromMinutes(1));
        await Store("product", "sku-4", Product("sku-4", onHand: 1), age: TimeSpan.FromMinutes(1));
        await Store("order", "order-7", paid, age: TimeSpan.FromMinutes(1));
        await Store("order", "order-8", missing, age: TimeSpan.FromMinutes(1));
        await Store("order", "order-9", Order("order-9", OrderStatus.PendingPayment, ("sku-4", 1)), age: TimeSpan.Zero);
        await RebuildListings();
        var before = await Check();
        Assert.False(before.Any(v => v.Contains("listed")), string.Join("\n", before));

        await Execute("UPDATE catalog_products SET available = 7 WHERE service_id = @s AND sku = 'sku-3'");
        await Execute("UPDATE customer_orders SET status = 'PendingPayment', version = 1 WHERE service_id = @s AND order_id = 'order-7'");
        await Execute("DELETE FROM customer_orders WHERE service_id = @s AND order_id IN ('order-8', 'order-9')");
        await Execute("INSERT INTO catalog_products VALUES (@s, 'ghost', 'Ghost', '', 1, 'USD', 1, true, 1)");

        var violations = await Check();

        Assert.Contains(violations, v => v.StartsWith("product sku-3: listed as") && v.Contains("Available = 7"));
        Assert.Contains(violations, v => v.StartsWith("order order-7: listed as") && v.Contains("Status = PendingPayment"));
        Assert.Contains(violations, v => v.StartsWith("order order-8: listed as nothing"));
        Assert.Contains(violations, v => v.StartsWith("product ghost: listed but not stored"));
        Assert.DoesNotContain(violations, v => v.StartsWith("order order-9: listed")); // changed just now: its listing may still lag
    }

    [Fact]
    public async Task Events_missing_from_the_log_and_events_logged_without_a_stored_change_are_reported()
    {
        var product = Product("sku-e1", onHand: 1);
        (product.Outbox.EntityId, product.Outbox.LastSequence) = ("sku-e1", 2);
        product.Outbox.Pending.Add(new OutboxEvent { Sequence = 2, Type = "product.updated", Actor = "system", Data = "{}" });
        await Store("product", "sku-e1", product);
        await Log("product", "sku-e1", 1, "product.created");
        await Log("order", "order-ghost", 1, "order.placed");

        var violations = await Check();

        Assert.Contains("product/sku-e1: stored events 1..2, logged 1 from 1 to 1", violations);
        Assert.Contains("order/order-ghost: logged but not stored", violations);
        Assert.Contains("product sku-e1: outbox event 2 (product.updated) is stored but not in the log", violations);

        await Log("product", "sku-e1", 2, "product.updated");
        Assert.DoesNotContain(await Check(), v => v.StartsWith("product/sku-e1") || v.StartsWith("product sku-e1: outbox"));
    }

    [Fact]
    public async Task A_refund_is_owed_until_it_succeeds_and_only_an_order_owing_nothing_is_Refunded()
    {
        var old = DateTimeOffset.UtcNow - ConsistencyChecker.RefundPatience - TimeSpan.FromMinutes(1);
        var refunded = Cancelled("order-r1", "pi-1", Refund("pi-1", RefundStatus.Succeeded, old));
        refunded.Status = OrderStatus.Refunded;
        await Store("order", "order-r1", refunded);
        await Store("order", "order-r2", Cancelled("order-r2", "pi-2", Refund("pi-2", RefundStatus.Requested, DateTimeOffset.UtcNow)));
        await Store("order", "order-r3", Cancelled("order-r3", "pi-3", Refund("pi-3", RefundStatus.Failed, old)));
        await Store("order", "order-r4", Cancelled("order-r4", "pi-4"));
        var refundedTooSoon = Cancelled("order-r5", "pi-5", Refund("pi-5", RefundStatus.Requested, DateTimeOffset.UtcNow));
        refundedTooSoon.Status = OrderStatus.Refunded;
        await Store("order", "order-r5", refundedTooSoon);

        var violations = await Check();

        Assert.DoesNotContain(violations, v => v.StartsWith("order order-r1") || v.StartsWith("order order-r2:"));
        Assert.Contains(violations, v => v.StartsWith("order order-r3: refund of 2 USD for payment pi-3") && v.EndsWith("is still owed (Failed)"));
        Assert.Contains("order order-r4: paid, then Cancelled, but no refund of its payment was requested", violations);
        Assert.Contains("order order-r5: Refunded while a refund is still owed", violations);
    }

    /// <summary>An order paid 2 USD by provider payment <paramref name="paymentId"/>, then cancelled, with these refunds.</summary>
    private static OrderState Cancelled(string id, string paymentId, params RefundState[] refunds)
    {
        var order = Order(id, OrderStatus.Cancelled);
        (order.CheckoutKey, order.PaymentKey, order.PaidAmount, order.PaymentId, order.Refunds) = ("key-" + id, "pay-" + id, 2m, paymentId, refunds.ToList());
        return order;
    }

    private static RefundState Refund(string paymentId, RefundStatus status, DateTimeOffset requestedAt) =>
        new() { PaymentId = paymentId, Amount = 2m, Currency = "USD", Reason = "order cancelled after payment", Status = status, RequestedAt = requestedAt };

    private Task Log(string entityType, string entityId, long sequence, string type) => Execute(
        "INSERT INTO orderactors_events (service_id, entity_type, entity_id, sequence, type, occurred_at, actor, data) " +
        $"VALUES (@s, '{entityType}', '{entityId}', {sequence}, '{type}', now(), 'system', '{{}}')");

    private static ProductState Product(string sku, int onHand, params (string Order, int Quantity)[] reservations)
    {
        var product = new ProductState { Exists = true, Sku = sku, Name = "Thing", Currency = "USD", OnHand = onHand, InitialStock = onHand, Active = true };
        foreach (var (order, quantity) in reservations)
        {
            product.Reservations[order] = new ReservationState { Quantity = quantity, ReservedAt = DateTimeOffset.UtcNow };
            product.Reserved += quantity;
        }

        return product;
    }

    private static OrderState Order(string id, OrderStatus status, params (string Sku, int Quantity)[] lines) => new()
    {
        OrderId = id,
        CustomerId = "customer",
        Currency = "USD",
        CheckoutKey = "same-key",
        Status = status,
        Lines = lines.Select(l => new OrderLineState { Sku = l.Sku, Quantity = l.Quantity, Name = "Thing", UnitPrice = 1m }).ToList(),
    };

    private async Task<IReadOnlyList<string>> Check()
    {
        await PostgresSchema.ApplyAsync(TestEnvironment.Postgres, NullLogger.Instance, CancellationToken.None);
        return await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, serviceId, CancellationToken.None);
    }

    private async Task Store<T>(string type, string key, T state, TimeSpan age = default)
    {
        await PostgresSchema.ApplyAsync(TestEnvironment.Postgres, NullLogger.Instance, CancellationToken.None);
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, GrainIdHash, GrainTypeHash, PayloadBinary, ModifiedOn, Version) " +
            "VALUES (@s, @t, 0, 0, @k, 0, 0, @p, now() - @age, 1)", connection);
        command.Parameters.AddWithValue("age", age);
        command.Parameters.AddWithValue("s", serviceId);
        command.Parameters.AddWithValue("t", type);
        command.Parameters.AddWithValue("k", key);
        command.Parameters.AddWithValue("p", JsonSerializer.SerializeToUtf8Bytes(state, StoredJson.Options));
        await command.ExecuteNonQueryAsync();
    }

    private async Task RebuildListings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("ConnectionStrings:Postgres", TestEnvironment.Postgres)]).Build();
        var readModel = new PostgresReadModel(configuration, Options.Create(new ClusterOptions { ServiceId = serviceId }), NullLogger<PostgresReadModel>.Instance);
        await readModel.RebuildAsync(CancellationToken.None);
    }

    private async Task Execute(string sql)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("s", serviceId);
        await command.ExecuteNonQueryAsync();
    }

    private async Task Remind(string grainId, string name)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO OrleansReminders (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version) VALUES (@s, @g, @n, now(), 60000, 0, 0)", connection);
        command.Parameters.AddWithValue("s", serviceId);
        command.Parameters.AddWithValue("g", grainId);
        command.Parameters.AddWithValue("n", name);
        await command.ExecuteNonQueryAsync();
    }
}
