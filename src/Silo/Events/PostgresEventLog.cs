using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;
using Orleans.Configuration;

namespace OrderActors.Silo.Events;

/// <summary>Reads <c>orderactors_events</c> (schema 5, ordered by schema 7), which the storage write appends to.</summary>
public sealed class PostgresEventLog(IConfiguration configuration, IOptions<ClusterOptions> cluster) : IEventLog
{
    // Log order is commit order: by the transaction that stored an event, then its position. Positions are taken at
    // insert, so a transaction that started later can hold a smaller position and commit after a larger one has
    // been served; ordering by position would pass it for good. Transaction ids are handed out in order, and only
    // rows of transactions older than every transaction still open are served: one that commits later has an id at
    // least that oldest open one's, so it sorts after every event served before it.
    private const string Settled = "transaction_id < pg_snapshot_xmin(pg_current_snapshot())";

    private const string Columns = "position, entity_type, entity_id, sequence, type, occurred_at, actor, data::text, transaction_id";

    public async Task<LogPage> ReadAfter(LogPlace after, int limit, IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        // One statement, so the page, the horizon and the end see the same transactions as committed and settled. The
        // page starts at the horizon if the place is before it: what is left there is kept for readers by position only.
        await using var command = new NpgsqlCommand(
            $"""
             WITH horizon AS (
               SELECT transaction_id, position FROM orderactors_events_horizon WHERE service_id = @service
               UNION ALL SELECT '0'::xid8, 0
               ORDER BY transaction_id DESC, position DESC
               LIMIT 1
             ),
             start AS (
               SELECT CASE WHEN (@transaction, @position) >= (h.transaction_id, h.position) THEN @transaction ELSE h.transaction_id END AS transaction_id,
                      CASE WHEN (@transaction, @position) >= (h.transaction_id, h.position) THEN @position ELSE h.position END AS position,
                      h.transaction_id AS horizon_transaction, h.position AS horizon_position
               FROM horizon h
             ),
             head AS (
               -- Only a reader of some types needs the end: for the others a short page ends at its last event.
               SELECT transaction_id, position FROM orderactors_events
               WHERE cardinality(@types) > 0 AND service_id = @service AND {Settled}
               ORDER BY transaction_id DESC, position DESC
               LIMIT 1
             )
             SELECT e.*, s.transaction_id, s.position, s.horizon_transaction, s.horizon_position, head.transaction_id, head.position
             FROM start s LEFT JOIN head ON true LEFT JOIN LATERAL (
               SELECT {Columns}
               FROM orderactors_events
               WHERE service_id = @service AND (transaction_id, position) > (s.transaction_id, s.position) AND {Settled}
                 AND (cardinality(@types) = 0 OR type = ANY(@types))
               ORDER BY transaction_id, position
               LIMIT @limit
             ) AS e ON true
             ORDER BY e.transaction_id, e.position
             """, connection);
        AddPlace(command, after);
        command.Parameters.AddWithValue("types", types.ToArray());
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<LoggedEvent>();
        LogPlace start = after, horizon = LogPlace.Start, head = LogPlace.Start;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            start = new LogPlace(reader.GetFieldValue<ulong>(9), reader.GetInt64(10));
            horizon = new LogPlace(reader.GetFieldValue<ulong>(11), reader.GetInt64(12));
            head = reader.IsDBNull(13) ? LogPlace.Start : new LogPlace(reader.GetFieldValue<ulong>(13), reader.GetInt64(14));
            if (!reader.IsDBNull(0))
            {
                events.Add(ReadEvent(reader));
            }
        }

        var last = events.Count > 0 ? LogPlace.Of(events[^1]) : start;
        return new LogPage(events, head > last ? head : last, horizon);
    }

    public async Task<LogPlace> Head(CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             SELECT transaction_id, position FROM orderactors_events
             WHERE service_id = @service AND {Settled}
             ORDER BY transaction_id DESC, position DESC
             LIMIT 1
             """, connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new LogPlace(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : LogPlace.Start;
    }

    public async Task<long> CountAfter(LogPlace place, CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*) FROM orderactors_events WHERE service_id = @service AND (transaction_id, position) > (@transaction, @position) AND {Settled}",
            connection);
        AddPlace(command, place);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<LoggedEvent?> Find(long position, CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM orderactors_events WHERE service_id = @service AND position = @position AND {Settled}", connection);
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.AddWithValue("position", position);
        return (await ReadEvents(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<int> Trim(LogPlace through, DateTimeOffset before, IReadOnlyCollection<long> kept, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        // One statement: the events go and the horizon moves past them together, so a reader that sees the one sees
        // the other. The horizon only moves forward, whatever order two trims commit in.
        await using var command = new NpgsqlCommand(
            """
            WITH doomed AS (
              SELECT position FROM orderactors_events
              WHERE service_id = @service AND (transaction_id, position) <= (@transaction, @position)
                AND occurred_at < @before AND position <> ALL(@kept)
              ORDER BY transaction_id, position
              LIMIT @limit
            ),
            deleted AS (
              DELETE FROM orderactors_events e USING doomed WHERE e.position = doomed.position
              RETURNING e.transaction_id, e.position
            ),
            newest AS (
              SELECT transaction_id, position FROM deleted ORDER BY transaction_id DESC, position DESC LIMIT 1
            ),
            horizon AS (
              INSERT INTO orderactors_events_horizon AS h (service_id, transaction_id, position, trimmed_before)
              SELECT @service, transaction_id, position, @before FROM newest
              ON CONFLICT (service_id) DO UPDATE SET
                transaction_id = CASE WHEN (excluded.transaction_id, excluded.position) > (h.transaction_id, h.position)
                                      THEN excluded.transaction_id ELSE h.transaction_id END,
                position = CASE WHEN (excluded.transaction_id, excluded.position) > (h.transaction_id, h.position)
                                THEN excluded.position ELSE h.position END,
                trimmed_before = greatest(h.trimmed_before, excluded.trimmed_before)
            )
            SELECT count(*)::int FROM deleted
            """, connection);
        AddPlace(command, through);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("kept", kept.ToArray());
        command.Parameters.AddWithValue("limit", limit);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private void AddPlace(NpgsqlCommand command, LogPlace place)
    {
        command.Parameters.AddWithValue("service", cluster.Value.ServiceId);
        command.Parameters.Add(new NpgsqlParameter<ulong>("transaction", NpgsqlDbType.Xid8) { TypedValue = place.Transaction });
        command.Parameters.AddWithValue("position", place.Position);
    }

    private static async Task<IReadOnlyList<LoggedEvent>> ReadEvents(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<LoggedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadEvent(reader));
        }

        return events;
    }

    private static LoggedEvent ReadEvent(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7), reader.GetFieldValue<ulong>(8));

    private async Task<NpgsqlConnection> Open(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(configuration.GetConnectionString("Postgres"));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
