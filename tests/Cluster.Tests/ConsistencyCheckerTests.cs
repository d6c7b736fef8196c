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
        await Store("product", "sku-1", Product("sku-1", onHand: 10, ("order-1", 2)));
        await Store("order", "order-1", Order("order-1", OrderStatus.PendingPayment, ("sku-1", 2)));
        await Remind("product/sku-1", ProductGrain.AuditReminder);
        await Remind("order/order-1", OrderGrain.ReminderName);

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

        var violations = await Check();

        Assert.Contains(violations, v => v.Contains("outside 0..onHand"));
        Assert.Contains(violations, v => v.Contains("open reservations hold 4"));
        Assert.Contains(violations, v => v.Contains("reservation of 3 for order ghost"));
        Assert.Contains(violations, v => v.Contains("order order-3: awaits payment for 1 of sku-2 but holds no reservation"));
        Assert.Contains(violations, v => v.Contains("produced 2 orders"));
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
