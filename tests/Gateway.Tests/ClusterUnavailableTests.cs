using System.Net;

namespace OrderActors.Gateway.Tests;

public sealed class ClusterUnavailableTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task With_no_silo_reachable_the_gateway_answers_503_problems_not_500()
    {
        var sku = await fixture.Client.CreateProduct();
        await fixture.StopSiloAsync();

        using var response = await fixture.Client.GetAsync($"/api/products/{sku}");
        var ready = await fixture.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
