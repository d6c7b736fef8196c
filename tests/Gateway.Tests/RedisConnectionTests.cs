using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using OrderActors.Hosting;
using Orleans.Clustering.Redis;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;

namespace OrderActors.Gateway.Tests;

/// <summary>Every Redis connection a silo or a gateway opens completes its replies on .NET's thread pool (RedisConnections).</summary>
public sealed class RedisConnectionTests
{
    [Fact]
    public async Task Membership_the_catalog_cache_and_its_backplane_complete_Redis_replies_on_the_thread_pool()
    {
        var settings = GatewayFixture.NewClusterSettings();
        await using var silo = await GatewayFixture.StartSiloAsync(settings);
        await using var gateway = GatewayFixture.GatewayFor(settings);

        foreach (var services in new[] { silo.Services, gateway.Services })
        {
            Assert.Same(SocketManager.ThreadPool, services.GetRequiredService<IOptions<RedisClusteringOptions>>().Value.ConfigurationOptions!.SocketManager);
            Assert.Same(SocketManager.ThreadPool, services.GetRequiredService<IOptions<RedisCacheOptions>>().Value.ConfigurationOptions!.SocketManager);
            Assert.Same(SocketManager.ThreadPool, services.GetRequiredService<IOptions<RedisBackplaneOptions>>().Value.ConfigurationOptions!.SocketManager);
        }

        // And they work: the gateway answers through a cluster it found in Redis.
        Assert.Equal(HttpStatusCode.OK, (await gateway.CreateClient().GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public void The_connection_string_keeps_every_setting_it_gives()
    {
        var options = RedisConnections.Options("127.0.0.1:6390,password=secret,abortConnect=false,connectTimeout=1234");

        Assert.Equal(("127.0.0.1:6390", "secret", false, 1234), (options.EndPoints.Single().ToString(), options.Password, options.AbortOnConnectFail, options.ConnectTimeout));
        Assert.Same(SocketManager.ThreadPool, options.SocketManager);
    }
}
