using System.Diagnostics;
using Npgsql;

namespace OrderActors.Silo.Schema;

/// <summary>
/// Applies the PostgreSQL schema before Orleans starts, so the storage and reminder providers find
/// their tables and queries. Register it ahead of Orleans: hosted services start in order.
/// </summary>
public sealed class SchemaMigrationService(IConfiguration configuration, ILogger<SchemaMigrationService> logger) : IHostedService
{
    // A silo may start before its database accepts connections (e.g. containers starting together).
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("Connection string 'Postgres' is missing (ConnectionStrings:Postgres).");

        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await PostgresSchema.ApplyAsync(connectionString, logger, cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && elapsed.Elapsed + RetryDelay < StartupTimeout)
            {
                logger.LogWarning("PostgreSQL is not reachable yet ({Reason}); retrying in {Delay}", ex.Message, RetryDelay);
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
