using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The catalog's shared response cache. A second gateway (another host and Orleans client over the same Redis) stands
/// for the other instances behind a load balancer.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class CatalogCacheTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_product_read_is_a_miss_then_a_hit_that_carries_its_age_cache_control_and_etag()
    {
        var sku = await fixture.Client.CreateProduct();

        using var miss = await fixture.Anonymous().GetAsync($"/api/products/{sku}");
        await Settled(fixture.Anonymous(), $"/api/products/{sku}");
        using var hit = await fixture.Anonymous().GetAsync($"/api/products/{sku}");

        Assert.Equal(("MISS", "HIT"), (CacheStatus(miss), CacheStatus(hit)));
        Assert.NotNull(hit.Headers.Age);
        Assert.Null(miss.Headers.Age);
        Assert.All(new[] { miss, hit }, r => Assert.Equal("public, no-cache", r.Headers.CacheControl?.ToString()));
        Assert.Equal(miss.Headers.ETag, hit.Headers.ETag);
        Assert.Equal(await miss.Content.ReadAsStringAsync(), await hit.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_cached_product_still_answers_if_none_match_with_304()
    {
        var sku = await fixture.Client.CreateProduct();
        using var first = await fixture.Anonymous().GetAsync($"/api/products/{sku}");
        await Settled(fixture.Anonymous(), $"/api/products/{sku}");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{sku}");
        request.Headers.TryAddWithoutValidation("If-None-Match", first.Headers.ETag!.Tag);
        using var again = await fixture.Anonymous().SendAsync(request);

        Assert.Equal((HttpStatusCode.NotModified, "HIT"), (again.StatusCode, CacheStatus(again)));
        Assert.Equal(first.Headers.ETag, again.Headers.ETag);
    }

    [Fact]
    public async Task No_cache_bypasses_the_cache_and_max_age_is_honoured()
    {
        var sku = await fixture.Client.CreateProduct();
        await Settled(fixture.Anonymous(), $"/api/products/{sku}");

        using var noCache = await Get(fixture.Anonymous(), $"/api/products/{sku}", "no-cache");
        using var young = await Get(fixture.Anonymous(), $"/api/products/{sku}", "max-age=0");
        using var old = await Get(fixture.Anonymous(), $"/api/products/{sku}", "max-age=3600");

        Assert.Equal(("MISS", "MISS", "HIT"), (CacheStatus(noCache), CacheStatus(young), CacheStatus(old)));
    }

    [Fact]
    public async Task A_price_change_through_one_gateway_is_read_on_another_within_the_backplane_bound()
    {
        var sku = await fixture.Client.CreateProduct(price: 10m);
        // A TTL far beyond the test: only an eviction reaching this gateway's memory can bring the change.
        await using var other = OtherGateway(("OutputCache:ProductTtl", "01:00:00"));
        using var reader = other.CreateClient();
        await Settled(reader, $"/api/products/{sku}");
        Assert.Equal("HIT", CacheStatus(await reader.GetAsync($"/api/products/{sku}")));

        await fixture.Client.Put($"/api/products/{sku}", new { name = "Thing", description = "", price = 12.5m, currency = "USD" });

        var product = await reader.ReadUntil($"/api/products/{sku}", p => (decimal)p["price"]! == 12.5m, BackplaneBound);
        Assert.Equal(12.5m, (decimal)product["price"]!);
    }

    [Fact]
    public async Task A_reservation_through_one_gateway_changes_available_on_another_within_the_backplane_bound()
    {
        var sku = await fixture.Client.CreateProduct(stock: 10);
        await using var other = OtherGateway(("OutputCache:ProductTtl", "01:00:00"));
        using var reader = other.CreateClient();
        await Settled(reader, $"/api/products/{sku}");
        Assert.Equal("HIT", CacheStatus(await reader.GetAsync($"/api/products/{sku}")));
        var customer = JsonApi.NewKey("customer");
        await fixture.Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 3 });

        Assert.Equal(HttpStatusCode.Created, (await fixture.Client.Checkout(customer)).Status);

        var product = await reader.ReadUntil($"/api/products/{sku}", p => (int)p["available"]! == 7, BackplaneBound);
        Assert.Equal(7, (int)product["available"]!);
    }

    [Fact]
    public async Task A_change_no_gateway_sees_is_evicted_by_the_silos_from_the_event_log_on_every_gateway()
    {
        var sku = await fixture.Client.CreateProduct(stock: 10);
        // A TTL far beyond the test: only an eviction can bring the change.
        await using var gateway = OtherGateway(("OutputCache:ProductTtl", "01:00:00"), ("OutputCache:ListingTtl", "01:00:00"));
        using var reader = gateway.CreateClient();
        var listed = await reader.ReadUntil($"/api/products?query={sku}", page => page["items"]!.AsArray().Count == 1, TimeSpan.FromSeconds(10));
        Assert.Single(listed["items"]!.AsArray());
        await Settled(reader, $"/api/products/{sku}");
        await Settled(reader, $"/api/products?query={sku}");
        Assert.Equal("HIT", CacheStatus(await reader.GetAsync($"/api/products/{sku}")));
        Assert.Equal("HIT", CacheStatus(await reader.GetAsync($"/api/products?query={sku}")));

        // Straight to the grain, as a payment window expiring on a silo would: no gateway route sees it.
        await fixture.SiloService<IGrainFactory>().GetGrain<IProductGrain>(sku).AdjustStock(5);

        // The stated bound is about a poll interval (200 ms); a loaded CI machine gets 10 s, far below the TTL.
        var product = await reader.ReadUntil($"/api/products/{sku}", p => (int)p["available"]! == 15, TimeSpan.FromSeconds(10));
        var listing = await reader.ReadUntil($"/api/products?query={sku}", p => (int)p["items"]![0]!["available"]! == 15, TimeSpan.FromSeconds(10));
        Assert.Equal((15, 15), ((int)product["available"]!, (int)listing["items"]![0]!["available"]!));
    }

    [Fact]
    public async Task Listings_are_cached_per_query_and_a_new_product_reaches_them_once_the_read_model_holds_it()
    {
        var sku = JsonApi.NewKey("sku");
        // A TTL far beyond the test: only the silos' eviction, after they write the product into the read model, can
        // bring it into a listing already cached.
        await using var other = OtherGateway(("OutputCache:ListingTtl", "01:00:00"));
        using var reader = other.CreateClient();
        using var miss = await reader.GetAsync($"/api/products?query={sku}");
        await Settled(reader, $"/api/products?query={sku}");
        using var hit = await reader.GetAsync($"/api/products?query={sku}");
        using var otherQuery = await reader.GetAsync($"/api/products?query={sku}&limit=5");
        Assert.Equal(("MISS", "HIT", "MISS"), (CacheStatus(miss), CacheStatus(hit), CacheStatus(otherQuery)));
        Assert.Empty((await JsonApi.Read(hit))!["items"]!.AsArray());

        await fixture.Client.CreateProduct(stock: 5, sku: sku); // asserts its 201

        // The stated bound is about a poll interval (200 ms); a loaded CI machine gets 10 s, far below the TTL.
        var listing = await reader.ReadUntil($"/api/products?query={sku}", page => page["items"]!.AsArray().Count == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(sku, (string)listing["items"]![0]!["sku"]!);
    }

    [Fact]
    public async Task A_customers_cart_and_orders_never_come_from_the_cache_for_anyone()
    {
        var sku = await fixture.Client.CreateProduct();
        var alice = JsonApi.NewKey("alice");
        using var aliceClient = fixture.ClientFor(alice);
        using var bob = fixture.ClientFor(JsonApi.NewKey("bob"));
        await aliceClient.Put($"/api/carts/{alice}/items/{sku}", new { quantity = 1 });
        var order = (string)(await aliceClient.Checkout(alice)).Body!["orderId"]!;
        await aliceClient.Put($"/api/carts/{alice}/items/{sku}", new { quantity = 2 });
        string[] paths = [$"/api/carts/{alice}", $"/api/orders/{order}", $"/api/customers/{alice}/orders"];

        foreach (var path in paths)
        {
            using var own = await aliceClient.GetAsync(path);
            using var again = await aliceClient.GetAsync(path);
            using var stranger = await bob.GetAsync(path);

            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode);
            Assert.All(new[] { own, again, stranger }, r => Assert.False(r.Headers.Contains(CatalogStatusHeader), $"{path} went through the cache"));
        }
    }

    [Fact]
    public async Task Without_redis_the_catalog_is_served_from_the_gateways_memory_and_the_grains_and_its_own_writes_evict()
    {
        var sku = await fixture.Client.CreateProduct(price: 3m);
        await using var gateway = OtherGateway(("ConnectionStrings:OutputCache", $"127.0.0.1:{ClosedPort()},connectTimeout=500"));
        using var client = GatewayFixture.WithToken(gateway.CreateClient(), GatewayFixture.Token("admin", "admin"));

        using var first = await client.GetAsync($"/api/products/{sku}");
        using var second = await client.GetAsync($"/api/products/{sku}");
        var listing = await client.Get("/api/products");
        var update = await client.Put($"/api/products/{sku}", new { name = "Thing", description = "", price = 4m, currency = "USD" });
        using var afterUpdate = await client.GetAsync($"/api/products/{sku}");

        Assert.Equal((HttpStatusCode.OK, "MISS", HttpStatusCode.OK, "HIT"), (first.StatusCode, CacheStatus(first), second.StatusCode, CacheStatus(second)));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (listing.Status, update.Status));
        Assert.Equal((HttpStatusCode.OK, "MISS"), (afterUpdate.StatusCode, CacheStatus(afterUpdate)));
        Assert.Equal(4m, (decimal)(await JsonApi.Read(afterUpdate))!["price"]!);
    }

    [Fact]
    public async Task The_memory_level_holds_no_more_than_its_size_limit()
    {
        var sku = await fixture.Client.CreateProduct();
        // Without Redis only the memory level can answer a hit; a limit of 1 byte holds no response.
        await using var gateway = OtherGateway(
            ("ConnectionStrings:OutputCache", $"127.0.0.1:{ClosedPort()},connectTimeout=500"), ("OutputCache:SizeLimit", "1"));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync($"/api/products/{sku}");
        using var second = await client.GetAsync($"/api/products/{sku}");

        Assert.Equal((HttpStatusCode.OK, "MISS", HttpStatusCode.OK, "MISS"), (first.StatusCode, CacheStatus(first), second.StatusCode, CacheStatus(second)));
    }

    private const string CatalogStatusHeader = "X-Cache";

    /// <summary>
    /// How soon another gateway reads a write: the eviction is published before the write answers and each gateway
    /// drops its memory copies on receipt (milliseconds here); a loaded CI machine gets 2 s, far below the TTL.
    /// </summary>
    private static readonly TimeSpan BackplaneBound = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Waits until a read of <paramref name="path"/> is cached and stays cached: the silos evict catalog entries from the
    /// event log a moment after each product change, so the changes of earlier tests (and the test's own product
    /// creation) can still evict an entry stored just now.
    /// </summary>
    private static Task Settled(HttpClient client, string path) =>
        Poll.Until(async () =>
        {
            using var stored = await client.GetAsync(path);
            await Task.Delay(TimeSpan.FromMilliseconds(800));
            using var again = await client.GetAsync(path);
            return CacheStatus(again);
        }, status => status == "HIT", TimeSpan.FromSeconds(20));

    private static string? CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues(CatalogStatusHeader, out var values) ? values.Single() : null;

    private static async Task<HttpResponseMessage> Get(HttpClient client, string path, string cacheControl)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Cache-Control", cacheControl);
        return await client.SendAsync(request);
    }

    private WebApplicationFactory<Program> OtherGateway(params (string Key, string Value)[] settings) =>
        fixture.Gateway.WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });

    /// <summary>A port nothing listens on.</summary>
    private static int ClosedPort() => Ports.Free();
}
