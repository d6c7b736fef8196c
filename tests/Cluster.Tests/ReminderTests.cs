using System.Net;

namespace OrderActors.Cluster.Tests;

public sealed class ReminderTests
{
    [Fact]
    public async Task A_payment_deadline_registered_before_a_restart_fires_after_it()
    {
        await using var cluster = new ProcessCluster(new Dictionary<string, string>
        {
            ["Orders__PaymentWindow"] = "00:00:12",
            ["Orders__ReminderPeriod"] = "00:00:02",
            ["Reminders__MinimumReminderPeriod"] = "00:00:01",
        });
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();
        var api = cluster.Api;
        var sku = await api.CreateProduct(stock: 4);
        var customer = await api.FillCart(sku, quantity: 3);
        var order = (string)(await api.Checkout(customer).Expect(HttpStatusCode.Created))["orderId"]!;

        await cluster.StopAllAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        await cluster.StartSiloAsync();
        await cluster.StartGatewayAsync();

        var status = await Poll.Until(async () => (string)(await api.Send(HttpMethod.Get, $"/api/orders/{order}").Expect(HttpStatusCode.OK))["status"]!,
            s => s == "Cancelled", TimeSpan.FromSeconds(60));

        Assert.Equal("Cancelled", status);
        var history = (await api.Send(HttpMethod.Get, $"/api/orders/{order}").Expect(HttpStatusCode.OK))["history"]!.AsArray();
        Assert.Equal("payment window expired", (string)history[^1]!["reason"]!);
        Assert.True((DateTimeOffset)history[^1]!["at"]! > restartedAt, "the order expired before the restart, so the test proves nothing");
        var product = await api.Send(HttpMethod.Get, $"/api/products/{sku}").Expect(HttpStatusCode.OK);
        Assert.Equal(4, (int)product["available"]!);
    }
}
