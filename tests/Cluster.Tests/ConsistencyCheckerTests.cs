using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using OrderActors.Silo.Hosting;
using OrderActors.Silo.Schema;
using OrderActors.Silo.Verification;

namespace OrderActors.Cluster.Tests;

/// <summary>The checker itself: it must see each kind of damage, and nothing in a consistent store.</summary>
public sealed class ConsistencyCheckerTests
{
    private readonly string serviceId = "checker-tests-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_consistent_store_has_no_violation()
    {
        // order-1's reservation is not acknowledged yet (the product keeps its record), order-4's is (counted, no
        // record); order-5 bought one unit.
        var product = Product("sku-1", onHand: 10, ("order-1", 2));
        product.Reserved += 3;
        (product.Sold, product.OnHand) = (1, 9);
        var paid = Order("order-5", OrderStatus.Paid, ("sku-1", 1));
        (paid.PaymentKey, paid.CheckoutKey) = ("pay-5", "key-5");
        var acknowledged = Order("order-4", OrderStatus.PendingPayment, ("sku-1", 3));
        acknowledged.CheckoutKey = "key-4";
        await Store("product", "sku-1", product);
        await Store("order", "order-1", Order("order-1", OrderStatus.PendingPayment, ("sku-1", 2)));
        await Store("order", "order-4", acknowledged);
        await Store("order", "order-5", paid);
        await Remind("product/sku-1", ProductGrain.AuditReminder);
        await Remind("order/order-1", OrderGrain.ReminderName);
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
        await Store("order", "order-3", Order("order-3", OrderStatus.PendingPayment, ("sku-2", 1)));
        var paid = Order("order-6", OrderStatus.Paid, ("sku-2", 2));
        paid.PaymentKey = "pay-6";
        await Store("order", "order-6", paid);

        var violations = await Check();

        Assert.Contains(violations, v => v.Contains("outside 0..onHand"));
        Assert.Contains(violations, v => v.Contains("reserved is 9 but orders awaiting payment hold 3 and other reservations 3"));
        Assert.Contains(violations, v => v.Contains("reservation of 3 for order ghost"));
        Assert.Contains(violations, v => v.Contains("reservation of 1 for order order-2 whose status is PendingPayment and whose line for it is 2"));
        Assert.Contains(violations, v => v.Contains("sold is 0 but paid orders bought 2"));
        Assert.Contains(violations, v => v.Contains("produced 3 orders"));
        Assert.Contains(violations, v => v.Contains("no audit reminder"));
        Assert.Contains(violations, v => v.Contains("order order-2: PendingPayment with no reminder"));
    }

    private static ProductState Product(string sku, int onHand, params (string Order, int Quantity)[] reservations)
    {
        var product = new ProductState { Exists = true, Sku = sku, OnHand = onHand, InitialStock = onHand, Active = true };
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
        CheckoutKey = "same-key",
        Status = status,
        Lines = lines.Select(l => new OrderLineState { Sku = l.Sku, Quantity = l.Quantity, Name = "Thing", UnitPrice = 1m }).ToList(),
    };

    private async Task<IReadOnlyList<string>> Check()
    {
        await PostgresSchema.ApplyAsync(TestEnvironment.Postgres, NullLogger.Instance, CancellationToken.None);
        return await ConsistencyChecker.CheckAsync(TestEnvironment.Postgres, serviceId, CancellationToken.None);
    }

    private async Task Store<T>(string type, string key, T state)
    {
        await PostgresSchema.ApplyAsync(TestEnvironment.Postgres, NullLogger.Instance, CancellationToken.None);
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, GrainIdHash, GrainTypeHash, PayloadBinary, ModifiedOn, Version) " +
            "VALUES (@s, @t, 0, 0, @k, 0, 0, @p, now(), 1)", connection);
        command.Parameters.AddWithValue("s", serviceId);
        command.Parameters.AddWithValue("t", type);
        command.Parameters.AddWithValue("k", key);
        command.Parameters.AddWithValue("p", JsonSerializer.SerializeToUtf8Bytes(state, StateJsonSerializer.Options));
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
