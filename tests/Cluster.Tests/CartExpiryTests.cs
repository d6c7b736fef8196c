using System.Net;
using Npgsql;

namespace OrderActors.Cluster.Tests;

public sealed class CartExpiryTests
{
    [Fact]
    public async Task An_abandoned_cart_expires_through_its_reminder_and_its_row_is_deleted()
    {
        await using var cluster = new ProcessCluster(new Dictionary<string, string>
        {
            ["Orders__CartIdleTime"] = "00:00:04",
            ["Orders__IdempotencyKeyRetention"] = "00:00:02",
            ["Reminders__MinimumReminderPeriod"] = "00:00:01",
        });
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        var api = cluster.Api;
        var sku = await api.CreateProduct(stock: 4);
        var customer = await api.FillCart(sku, quantity: 2);
        Assert.Equal(1, await CartRows(cluster.ServiceId, customer));

        Assert.Equal(0, await Poll.Until(() => CartRows(cluster.ServiceId, customer), rows => rows == 0, TimeSpan.FromSeconds(60)));
        var cart = await api.Send(HttpMethod.Get, $"/api/carts/{customer}").Expect(HttpStatusCode.OK);
        Assert.Empty(cart["lines"]!.AsArray());
        var again = await api.Send(HttpMethod.Put, $"/api/carts/{customer}/items/{sku}", new { quantity = 1 }).Expect(HttpStatusCode.OK);
        Assert.Single(again["lines"]!.AsArray());
    }

    private static async Task<long> CartRows(string serviceId, string customer)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @s AND GrainTypeString = 'cart' AND GrainIdExtensionString = @c", connection);
        command.Parameters.AddWithValue("s", serviceId);
        command.Parameters.AddWithValue("c", customer);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
