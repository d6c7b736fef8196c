using OrderActors.Grains.Abstractions;
using Orleans.GrainDirectory;
using Orleans.GrainDirectory.Redis;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Orleans' Redis grain directory (<c>Orleans:GrainDirectory=Redis</c>), its Redis failures told as what they are. The
/// directory reports a failed Redis call as a bare <see cref="OrleansException"/> carrying the cause as text, which the
/// gateway cannot tell from a bug (a 500); as <see cref="DependencyUnavailableException"/> the call that needed the entry
/// is answered 503 with Retry-After, as in a storage outage: no activation was made and nothing was changed. The same
/// holds for a call that meets its Redis connection while it is being torn down (see <see cref="IsRedisFailure"/>).
/// </summary>
public sealed class RedisDirectory(RedisGrainDirectory redis) : IGrainDirectory, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    public Task<GrainAddress?> Register(GrainAddress address) => Told(redis.Register(address));

    public Task<GrainAddress?> Register(GrainAddress address, GrainAddress? previousAddress) => Told(redis.Register(address, previousAddress));

    public Task Unregister(GrainAddress address) => Told(redis.Unregister(address));

    public Task<GrainAddress?> Lookup(GrainId grainId) => Told(redis.Lookup(grainId));

    public Task UnregisterSilos(List<SiloAddress> siloAddresses) => redis.UnregisterSilos(siloAddresses);

    public void Participate(ISiloLifecycle lifecycle) => redis.Participate(lifecycle);

    public ValueTask DisposeAsync() => redis.DisposeAsync();

    private static async Task<T> Told<T>(Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            throw Unavailable(exception);
        }
    }

    private static async Task Told(Task call)
    {
        try
        {
            await call;
        }
        catch (Exception exception) when (IsRedisFailure(exception))
        {
            throw Unavailable(exception);
        }
    }

    /// <summary>
    /// Whether a directory call failed on Redis: the directory's own report of a Redis error, or a write to a connection
    /// whose socket was closed under it — StackExchange.Redis then lets its pipe's <see cref="InvalidOperationException"/>
    /// ("Writing is not allowed after writer was completed") through instead of a Redis error, and the directory passes
    /// on whatever is not a Redis error. Any other exception is a bug and stays one.
    /// </summary>
    public static bool IsRedisFailure(Exception exception) =>
        exception is OrleansException or InvalidOperationException { Source: "System.IO.Pipelines" };

    private static DependencyUnavailableException Unavailable(Exception exception) =>
        new($"The grain directory's Redis is unavailable: {exception.Message.Split('\n')[0]}");
}
