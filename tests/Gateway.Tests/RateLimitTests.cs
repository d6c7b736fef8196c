using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_signed_in_client_over_its_bucket_gets_429_with_retry_after_and_others_are_unaffected()
    {
        await using var limited = Limited();
        using var alice = GatewayFixture.WithToken(limited.CreateClient(), GatewayFixture.Token("alice"));
        using var bob = GatewayFixture.WithToken(limited.CreateClient(), GatewayFixture.Token("bob"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.Get("/api/carts/alice")).Status);
        }

        using var refused = await alice.GetAsync("/api/carts/alice");
        var body = await JsonApi.Read(refused);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        (refused.StatusCode, body).Problem(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, (await bob.Get("/api/carts/bob")).Status);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task A_public_read_is_counted_by_the_clients_address_whatever_token_it_carries()
    {
        var sku = await fixture.Client.CreateProduct();
        await using var limited = Limited();
        // Both from the test server's one address: the token of a public read is not even validated.
        using var alice = GatewayFixture.WithToken(limited.CreateClient(), GatewayFixture.Token("alice"));
        using var forged = GatewayFixture.WithToken(limited.CreateClient(), "not-a-token");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.Get($"/api/products/{sku}")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await forged.Get($"/api/products/{sku}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await alice.Get("/api/carts/alice")).Status);
    }

    private WebApplicationFactory<Program> Limited() => fixture.Gateway.WithWebHostBuilder(web => web
        .UseSetting("RateLimiting:TokenLimit", "3")
        .UseSetting("RateLimiting:TokensPerPeriod", "1")
        .UseSetting("RateLimiting:ReplenishmentPeriod", "00:01:00"));
}
