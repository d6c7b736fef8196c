using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace OrderActors.Silo.Hosting;

/// <summary>Ready only while PostgreSQL answers a query: without it no grain can load or save state.</summary>
public sealed class PostgresHealthCheck(IConfiguration configuration) : IHealthCheck
{
    // A pool of its own (a different connection string is a different pool): a probe asks whether PostgreSQL answers,
    // not whether the providers' pool has a connection free under load.
    private readonly string probe = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres")) { MaxPoolSize = 1 }.ConnectionString;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(probe);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable.", exception);
        }
    }
}

/// <summary>Ready only while Redis answers a ping: membership lives there.</summary>
/// <remarks>
/// A singleton (<see cref="SiloHostingExtensions"/> registers it): health checks not registered as services are created
/// anew for every probe, and each would open a connection of its own and never close it. Its connections are named
/// <see cref="ClientName"/>, so that <c>CLIENT LIST</c> tells them apart.
/// </remarks>
public sealed class RedisHealthCheck(IConfiguration configuration) : IHealthCheck, IDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> connection = new(() =>
    {
        var options = ConfigurationOptions.Parse(configuration.GetConnectionString("Redis")!);
        options.AbortOnConnectFail = false;
        options.ClientName = ClientName(configuration["Orleans:ServiceId"]);
        return ConnectionMultiplexer.ConnectAsync(options);
    });

    /// <summary>The name of the probe's connections: the service id, in the characters Redis accepts in a name.</summary>
    public static string ClientName(string? serviceId) =>
        "probe-" + new string((serviceId ?? "").Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var redis = await connection.Value;
            await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable.", exception);
        }
    }

    public void Dispose()
    {
        if (connection.IsValueCreated && connection.Value.IsCompletedSuccessfully)
        {
            connection.Value.Result.Dispose();
        }
    }
}
