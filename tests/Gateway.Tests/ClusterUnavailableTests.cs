using System.Net;
using Serilog.Events;

namespace OrderActors.Gateway.Tests;

public sealed class ClusterUnavailableTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task With_no_silo_reachable_the_gateway_answers_503_problems_not_500()
    {
        var sku = await fixture.Client.CreateProduct();
        await fixture.StopSiloAsync();
        var requestId = "outage-" + Guid.NewGuid().ToString("N");

        using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/products/{sku}");
        read.Headers.Add("X-Request-ID", requestId);
        using var response = await fixture.Client.SendAsync(read);
        var ready = await fixture.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // Its request log line names the route that failed, though the exception handler wrote the answer.
        var line = await fixture.GatewayLogs.WaitFor(e => e.Properties["RequestId"] is ScalarValue { Value: string id } && id == requestId);
        Assert.Equal<(object?, object?)>(("/api/products/{sku}", 503),
            ((line.Properties["Route"] as ScalarValue)?.Value, (line.Properties["StatusCode"] as ScalarValue)?.Value));
    }
}
