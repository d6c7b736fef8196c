using System.Net;
using System.Net.Http.Json;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ETagTests(GatewayFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_product_get_carries_its_version_as_etag_and_if_none_match_answers_304()
    {
        var sku = await Client.CreateProduct();

        using var first = await Client.GetAsync($"/api/products/{sku}");
        var etag = first.Headers.ETag!;
        using var again = await Send(HttpMethod.Get, $"/api/products/{sku}", ("If-None-Match", etag.Tag));

        Assert.Equal("\"1\"", etag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(etag, again.Headers.ETag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_product_update_with_a_stale_if_match_is_a_412_and_with_the_current_one_succeeds()
    {
        var sku = await Client.CreateProduct();
        var etag = (await Client.GetAsync($"/api/products/{sku}")).Headers.ETag!.Tag;
        var update = new { name = "Renamed", description = "", price = 2m, currency = "USD" };

        using var applied = await Send(HttpMethod.Put, $"/api/products/{sku}", ("If-Match", etag), update);
        using var stale = await Send(HttpMethod.Put, $"/api/products/{sku}", ("If-Match", etag), update);

        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        (stale.StatusCode, await JsonApi.Read(stale)).Problem(HttpStatusCode.PreconditionFailed);
        Assert.Equal("\"2\"", stale.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task An_order_get_carries_an_etag_that_changes_with_the_order()
    {
        var sku = await Client.CreateProduct(price: 5m);
        var customer = JsonApi.NewKey("customer");
        await Client.Put($"/api/carts/{customer}/items/{sku}", new { quantity = 1 });
        var order = (string)(await Client.Checkout(customer)).Body!["orderId"]!;

        var pending = (await Client.GetAsync($"/api/orders/{order}")).Headers.ETag!.Tag;
        using var unchanged = await Send(HttpMethod.Get, $"/api/orders/{order}", ("If-None-Match", pending));
        await Client.Pay(order, 5m);
        using var changed = await Send(HttpMethod.Get, $"/api/orders/{order}", ("If-None-Match", pending));

        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(pending, changed.Headers.ETag!.Tag);
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, (string Name, string Value) header, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        return Client.SendAsync(request);
    }
}
