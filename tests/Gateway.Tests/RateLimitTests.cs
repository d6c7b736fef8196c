using System.Net;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_client_over_its_bucket_gets_429_with_retry_after_and_others_are_unaffected()
    {
        var sku = await fixture.Client.CreateProduct();
        await using var limited = fixture.Gateway.WithWebHostBuilder(web => web
            .UseSetting("RateLimiting:TokenLimit", "3")
            .UseSetting("RateLimiting:TokensPerPeriod", "1")
            .UseSetting("RateLimiting:ReplenishmentPeriod", "00:01:00"));
        using var alice = GatewayFixture.WithToken(limited.CreateClient(), GatewayFixture.Token("alice"));
        using var bob = GatewayFixture.WithToken(limited.CreateClient(), GatewayFixture.Token("bob"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.Get($"/api/products/{sku}")).Status);
        }

        using var refused = await alice.GetAsync($"/api/products/{sku}");
        var body = await JsonApi.Read(refused);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        (refused.StatusCode, body).Problem(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, (await bob.Get($"/api/products/{sku}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/health/live")).StatusCode);
    }
}
