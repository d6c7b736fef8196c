extern alias silo;

using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using silo::OrderActors.Silo.ReadModel;

namespace OrderActors.Gateway.Tests;

/// <summary>Listings come from the read model the grains keep in PostgreSQL; each test class has a service of its own.</summary>
public sealed class ListingApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    /// <summary>An admin client that asks past the gateway's cache: what is tested here is the read model behind it.</summary>
    private HttpClient Client { get; } = BypassingTheCache(fixture.ClientFor("admin", "admin"));

    [Fact]
    public async Task Products_are_listed_by_sku_filtered_by_text_and_paged_with_a_cursor()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var skus = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var sku = $"lamp-{tag}-{i}";
            skus.Add(sku);
            await Client.Post("/api/products", new { sku, name = $"Desk lamp {tag}", description = "", price = 10m, stock = 3 });
        }

        await Client.Post("/api/products", new { sku = $"chair-{tag}", name = "Chair", description = "", price = 10m, stock = 3 });
        await Client.Delete($"/api/products/{skus[4]}");

        var all = await Eventually($"/api/products?query=lamp {tag}&limit=100", page => page["items"]!.AsArray().Count == 4);
        Assert.Equal(skus.Take(4), all["items"]!.AsArray().Select(p => (string)p!["sku"]!));

        var first = (await Client.Get($"/api/products?query=LAMP {tag}&limit=3")).Body!;
        var cursor = (string)first["nextCursor"]!;
        var second = (await Client.Get($"/api/products?query=lamp {tag}&limit=3&cursor={cursor}")).Body!;
        Assert.Equal(skus.Take(3), first["items"]!.AsArray().Select(p => (string)p!["sku"]!));
        Assert.Equal([skus[3]], second["items"]!.AsArray().Select(p => (string)p!["sku"]!));
        Assert.Null(second["nextCursor"]);
    }

    [Fact]
    public async Task A_product_listing_shows_availability_as_reservations_change_it()
    {
        var sku = await Client.CreateProduct(stock: 10);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 4 });
        await Client.Checkout(customer);

        var page = await Eventually($"/api/products?query={sku}", p => (int?)p["items"]!.AsArray().FirstOrDefault()?["available"] == 6);

        Assert.Equal(6, (int)page["items"]![0]!["available"]!);
    }

    [Fact]
    public async Task A_customers_orders_are_listed_newest_first_with_their_current_status()
    {
        var sku = await Client.CreateProduct(price: 2m, stock: 100);
        var customer = JsonApi.NewKey("customer");
        var ids = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = i });
            ids.Add((string)(await Client.Checkout(customer)).Body!["orderId"]!);
        }

        await Client.Pay(ids[0], 2m);

        var page = await Eventually($"/api/customers/{customer}/orders?limit=2",
            p => p["items"]!.AsArray().Count == 2 && (string?)p["nextCursor"] is not null);
        var rest = (await Client.Get($"/api/customers/{customer}/orders?limit=2&cursor={(string)page["nextCursor"]!}")).Body!;
        var oldest = await Eventually($"/api/customers/{customer}/orders?limit=2&cursor={(string)page["nextCursor"]!}",
            p => (string?)p["items"]!.AsArray().FirstOrDefault()?["status"] == "Paid");

        Assert.Equal([ids[2], ids[1]], page["items"]!.AsArray().Select(o => (string)o!["orderId"]!));
        Assert.Equal([ids[0]], rest["items"]!.AsArray().Select(o => (string)o!["orderId"]!));
        Assert.Equal((2m, "Paid"), ((decimal)oldest["items"]![0]!["total"]!, (string)oldest["items"]![0]!["status"]!));
    }

    [Fact]
    public async Task A_customer_lists_only_their_own_orders()
    {
        var customer = JsonApi.NewKey("customer");
        using var own = fixture.ClientFor(customer);

        var mine = await own.Get($"/api/customers/{customer}/orders");
        var theirs = await own.Get($"/api/customers/{JsonApi.NewKey("someone")}/orders");

        Assert.Equal(HttpStatusCode.OK, mine.Status);
        theirs.Problem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/products?limit=0", "limit")]
    [InlineData("/api/products?limit=101", "limit")]
    [InlineData("/api/products?cursor=***", "cursor")]
    [InlineData("/api/customers/someone/orders?cursor=bm90LWEtY3Vyc29y", "cursor")]
    public async Task Bad_paging_parameters_are_400_with_the_field(string path, string field)
    {
        var problem = (await Client.Get(path)).Problem(HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task A_lost_read_model_is_rebuilt_from_grain_state()
    {
        var sku = await Client.CreateProduct(stock: 7);
        await Eventually($"/api/products?query={sku}", p => p["items"]!.AsArray().Count == 1);

        await using (var connection = new NpgsqlConnection(TestEnvironment.Postgres))
        {
            await connection.OpenAsync();
            await using var wipe = new NpgsqlCommand("DELETE FROM catalog_products WHERE service_id = @s", connection);
            wipe.Parameters.AddWithValue("s", fixture.ServiceId);
            await wipe.ExecuteNonQueryAsync();
        }

        Assert.Empty((await Client.Get($"/api/products?query={sku}")).Body!["items"]!.AsArray());
        await fixture.SiloService<PostgresReadModel>().RebuildAsync(CancellationToken.None);

        Assert.Equal(7, (int)(await Client.Get($"/api/products?query={sku}")).Body!["items"]![0]!["available"]!);
    }

    private Task<JsonNode> Eventually(string path, Func<JsonNode, bool> done) => Client.ReadUntil(path, done, TimeSpan.FromSeconds(10));

    private static HttpClient BypassingTheCache(HttpClient client)
    {
        client.DefaultRequestHeaders.CacheControl = new() { NoCache = true };
        return client;
    }
}
