using StackExchange.Redis;

namespace OrderActors.Hosting;

/// <summary>How every OrderActors process connects to Redis: membership, the catalog cache and its backplane, probes.</summary>
public static class RedisConnections
{
    /// <summary>
    /// The options of <paramref name="connectionString"/>, with replies completed on .NET's thread pool instead of
    /// StackExchange.Redis' ten dedicated threads, which a process's every connection shares: on a machine of few cores,
    /// handing each reply to one of them is a thread switch per reply. Every caller here awaits Redis, so no pool thread
    /// blocks on it and replies never wait for a free one.
    /// </summary>
    public static ConfigurationOptions Options(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }
}
