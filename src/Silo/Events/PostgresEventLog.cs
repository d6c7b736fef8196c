using Microsoft.Extensions.Options;
using Npgsql;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;
using Orleans.Configuration;

namespace OrderActors.Silo.Events;

/// <summary>Reads <c>orderactors_events</c> (schema 5), which the storage write appends to.</summary>
public sealed class PostgresEventLog(IConfiguration configuration, IOptions<ClusterOptions> cluster) : IEventLog
{
    // Positions are taken when a row is inserted but become visible when its transaction commits, so a smaller
    // position can appear after a larger one. Only rows of transactions older than every transaction still open are
    // served: a reader that continues by position then never passes one that shows up later.
    private const string Settled = "transaction_id < pg_snapshot_xmin(pg_current_snapshot())";

    public async Task<IReadOnlyList<LoggedEvent>> ReadAfter(long position, int limit, IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             SELECT position, entity_type, entity_id, sequence, type, occurred_at, actor, data::text
             FROM orderactors_events
             WHERE service_id = @service AND position > @after AND {Settled}
               AND (cardinality(@types) = 0 OR type = ANY(@types))
             ORDER BY position
             LIMIT @limit
             """, connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("after", position);
        command.Parameters.AddWithValue("types", types.ToArray());
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<LoggedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new LoggedEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7)));
        }

        return events;
    }

    public async Task<long> Head(CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT coalesce(max(position), 0) FROM orderactors_events WHERE service_id = @service AND {Settled}", connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<NpgsqlConnection> Open(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(configuration.GetConnectionString("Postgres"));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
