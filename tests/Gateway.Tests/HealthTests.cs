extern alias silo;

using System.Net;
using silo::OrderActors.Silo.Hosting;
using StackExchange.Redis;

namespace OrderActors.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class HealthTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task The_gateway_answers_its_probes_without_a_token(string path)
    {
        using var anonymous = fixture.Anonymous();

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task The_silo_answers_its_probes_with_postgres_and_redis_reachable(string path)
    {
        using var http = new HttpClient { BaseAddress = fixture.SiloAddress };

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_silo_asks_redis_on_one_connection_however_often_it_is_probed()
    {
        using var http = new HttpClient { BaseAddress = fixture.SiloAddress };
        for (var probe = 0; probe < 5; probe++)
        {
            using var response = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var options = ConfigurationOptions.Parse(TestEnvironment.Redis);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var clients = await redis.GetServer(redis.GetEndPoints()[0]).ClientListAsync();

        // One interactive connection and the subscriber StackExchange.Redis opens beside it, not two per probe.
        var name = RedisHealthCheck.ClientName(fixture.ServiceId);
        Assert.InRange(clients.Count(client => client.Name == name), 1, 2);
    }
}
