extern alias silo;

using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;
using Orleans.Configuration;
using Orleans.GrainDirectory.Redis;
using silo::OrderActors.Silo.Hosting;
using StackExchange.Redis;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// Orleans' Redis directory reports a Redis that cannot be reached as a bare OrleansException, which the gateway would
/// answer 500; the silo's wrapper (<see cref="RedisDirectory"/>) tells it as a dependency failure, answered 503.
/// </summary>
public sealed class RedisDirectoryTests
{
    [Fact]
    public async Task A_redis_that_cannot_be_reached_is_a_dependency_failure_for_every_directory_call()
    {
        var unreachable = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 200, AsyncTimeout = 500, SyncTimeout = 500 };
        unreachable.EndPoints.Add(IPAddress.Loopback, Ports.Free());
        var redis = new RedisGrainDirectory(
            new RedisGrainDirectoryOptions { ConfigurationOptions = unreachable },
            Options.Create(new ClusterOptions { ClusterId = JsonApi.NewKey("directory"), ServiceId = "directory" }),
            NullLogger<RedisGrainDirectory>.Instance);
        await redis.Initialize();
        await using var directory = new RedisDirectory(redis);
        var address = new GrainAddress
        {
            GrainId = GrainId.Create("cart", JsonApi.NewKey("customer")),
            ActivationId = ActivationId.NewId(),
            SiloAddress = SiloAddress.New(IPAddress.Loopback, Ports.Free(), 1),
        };

        var refusals = new[]
        {
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => directory.Register(address, null)),
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => directory.Register(address)),
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => directory.Lookup(address.GrainId)),
            await Assert.ThrowsAsync<DependencyUnavailableException>(() => directory.Unregister(address)),
        };

        Assert.All(refusals, refusal =>
        {
            Assert.StartsWith("The grain directory's Redis is unavailable", refusal.Message);
            Assert.True(ClusterFailures.IsUnavailable(refusal));
        });
    }

    [Fact]
    public void A_write_to_a_connection_torn_down_under_it_is_a_redis_failure_and_any_other_error_stays_a_bug()
    {
        // What StackExchange.Redis lets through when Redis goes away in the middle of a write (seen in
        // DependencyOutageTests): its socket's pipe writer already completed.
        var pipe = new Pipe();
        pipe.Writer.Complete();
        var torn = Assert.Throws<InvalidOperationException>(() => pipe.Writer.GetSpan());

        Assert.True(RedisDirectory.IsRedisFailure(torn));
        Assert.True(RedisDirectory.IsRedisFailure(new OrleansException("Register failed: No connection is active")));
        Assert.False(RedisDirectory.IsRedisFailure(new InvalidOperationException("Writing is not allowed after writer was completed.")));
        Assert.False(RedisDirectory.IsRedisFailure(new ArgumentException("a bug")));
    }
}
