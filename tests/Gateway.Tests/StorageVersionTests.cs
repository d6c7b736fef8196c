using System.Net;
using System.Net.Http.Json;
using Npgsql;

namespace OrderActors.Gateway.Tests;

/// <summary>Grain state versions on real PostgreSQL, through the ADO.NET provider: past 2^31 writes keep succeeding.</summary>
[Collection(GatewayCollection.Name)]
public sealed class StorageVersionTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_product_written_past_the_largest_32_bit_version_keeps_writing_and_reads_its_last_change()
    {
        var sku = await fixture.Client.CreateProduct(price: 1m);
        await SetStoredVersion(sku, int.MaxValue - 2);

        // The activation still holds version 1, so its first write meets a changed row: a 503 with Retry-After, and
        // the activation is discarded. Retries reload the stored version and write past int.MaxValue.
        var stale = await fixture.Client.PutAsJsonAsync($"/api/products/{sku}", Update(2m));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stale.StatusCode);
        Assert.NotNull(stale.Headers.RetryAfter);
        for (var price = 3m; price <= 7m; price++)
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.Client.Put($"/api/products/{sku}", Update(price))).Status);
        }

        Assert.Equal(3, await StoredVersion(sku)); // MaxValue - 2, - 1, MaxValue, then 1, 2, 3
        Assert.Equal(7m, (decimal)(await fixture.Client.Get($"/api/products/{sku}")).Body!["price"]!);
    }

    private static object Update(decimal price) => new { name = "Thing", description = "", price, currency = "USD" };

    private Task SetStoredVersion(string sku, int version) =>
        Execute($"UPDATE OrleansStorage SET Version = {version} WHERE {Row}", sku);

    private async Task<int> StoredVersion(string sku) => (int)(await Execute($"SELECT Version FROM OrleansStorage WHERE {Row}", sku))!;

    private const string Row = "ServiceId = @service AND GrainTypeString = 'product' AND GrainIdExtensionString = @sku";

    private async Task<object?> Execute(string sql, string sku)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("service", fixture.ServiceId);
        command.Parameters.AddWithValue("sku", sku);
        return await command.ExecuteScalarAsync();
    }
}
