using System.Data;
using System.Text.Json;
using Npgsql;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Deadlines;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using OrderActors.Grains;

namespace OrderActors.Silo.Verification;

/// <summary>
/// Every stored grain state, reminder, listing row and event log entry of one service, read in one snapshot straight
/// from PostgreSQL. <see cref="ChangedWithin"/> names the products and orders ("product/SKU", "order/ID") whose state
/// changed within the lag a listing may have behind it; <see cref="Logged"/> summarizes each entity's events in the log
/// by the same names; <see cref="UnloggedPending"/> lists outbox entries of stored states that the log lacks.
/// </summary>
public sealed record StoredState(
    List<ProductState> Products,
    List<OrderState> Orders,
    List<CartState> Carts,
    List<DeadlineState> Deadlines,
    HashSet<(string GrainId, string Name)> Reminders,
    Dictionary<string, ProductSummary> ListedProducts,
    Dictionary<string, OrderSummary> ListedOrders,
    HashSet<string> ChangedWithin,
    Dictionary<string, LoggedRange> Logged,
    List<string> UnloggedPending)
{
    /// <summary>When the log's retention has deleted events: every deleted one happened before this; null if none was.</summary>
    public DateTimeOffset? TrimmedBefore { get; private set; }

    /// <summary>Like <see cref="Logged"/>, of the events after the log's horizon only: retention deleted none of those.</summary>
    public Dictionary<string, LoggedRange> LoggedAfterHorizon { get; } = [];

    public static async Task<StoredState> LoadAsync(string connectionString, string serviceId, TimeSpan listingLag, CancellationToken cancellationToken)
    {
        var stored = new StoredState([], [], [], [], [], [], [], [], [], []);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        // One snapshot for both tables, so a reminder moving on between two reads is not taken for a violation.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT GrainId, ReminderName FROM OrleansReminders WHERE ServiceId = @ServiceId", connection, transaction))
        {
            command.Parameters.AddWithValue("ServiceId", serviceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored.Reminders.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await using (var states = new NpgsqlCommand(
            """
            SELECT GrainTypeString, PayloadBinary, ModifiedOn > now() - @lag
            FROM OrleansStorage WHERE ServiceId = @ServiceId AND PayloadBinary IS NOT NULL
            """, connection, transaction))
        {
            states.Parameters.AddWithValue("ServiceId", serviceId);
            states.Parameters.AddWithValue("lag", listingLag);
            await using var rows = await states.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                var payload = (byte[])rows[1];
                // Keys come from the states: Orleans stores a key that parses as a GUID (an order id) as numbers.
                var key = rows.GetString(0) switch
                {
                    "product" => Add(stored.Products, Read<ProductState>(payload)).Sku,
                    "order" => Add(stored.Orders, Read<OrderState>(payload)).OrderId,
                    "cart" => Add(stored.Carts, Read<CartState>(payload)).CustomerId,
                    "deadlines" => Add(stored.Deadlines, Read<DeadlineState>(payload)).Shard,
                    _ => null,
                };
                if (key is not null && rows.GetBoolean(2))
                {
                    stored.ChangedWithin.Add($"{rows.GetString(0)}/{key}");
                }
            }
        }

        await ReadListings(stored, connection, transaction, serviceId, cancellationToken);
        await ReadLog(stored, connection, transaction, serviceId, cancellationToken);
        return stored;
    }

    /// <summary>
    /// Per entity: how many events the log holds and their lowest and highest sequence; and which outbox entries it
    /// lacks, of those retention cannot have deleted.
    /// </summary>
    private static async Task ReadLog(
        StoredState stored, NpgsqlConnection connection, NpgsqlTransaction transaction, string serviceId, CancellationToken cancellationToken)
    {
        await using (var ranges = new NpgsqlCommand(
            """
            SELECT e.entity_type, e.entity_id, count(*), min(e.sequence), max(e.sequence),
                   count(*) FILTER (WHERE after_horizon), coalesce(min(e.sequence) FILTER (WHERE after_horizon), 0),
                   coalesce(max(e.sequence) FILTER (WHERE after_horizon), 0)
            FROM orderactors_events e
            LEFT JOIN orderactors_events_horizon h ON h.service_id = e.service_id,
            LATERAL (SELECT h.service_id IS NULL OR (e.transaction_id, e.position) > (h.transaction_id, h.position) AS after_horizon) AS place
            WHERE e.service_id = @ServiceId
            GROUP BY e.entity_type, e.entity_id
            """, connection, transaction))
        {
            ranges.Parameters.AddWithValue("ServiceId", serviceId);
            await using var rows = await ranges.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                var entity = $"{rows.GetString(0)}/{rows.GetString(1)}";
                stored.Logged[entity] = new LoggedRange(rows.GetInt64(2), rows.GetInt64(3), rows.GetInt64(4));
                stored.LoggedAfterHorizon[entity] = new LoggedRange(rows.GetInt64(5), rows.GetInt64(6), rows.GetInt64(7));
            }
        }

        await using (var horizon = new NpgsqlCommand(
            "SELECT trimmed_before FROM orderactors_events_horizon WHERE service_id = @ServiceId", connection, transaction))
        {
            horizon.Parameters.AddWithValue("ServiceId", serviceId);
            stored.TrimmedBefore = await horizon.ExecuteScalarAsync(cancellationToken) is DateTime trimmed
                ? new DateTimeOffset(trimmed, TimeSpan.Zero)
                : null;
        }

        var pending = stored.Products.Select(p => (Type: "product", Id: p.Sku, p.Outbox))
            .Concat(stored.Orders.Select(o => (Type: "order", Id: o.OrderId, o.Outbox)))
            .SelectMany(entity => entity.Outbox.Pending.Select(e => (entity.Type, entity.Id, e.Sequence, EventType: e.Type, e.At)))
            .Where(e => e.At >= stored.TrimmedBefore.GetValueOrDefault(DateTimeOffset.MinValue))
            .ToList();
        await using var missing = new NpgsqlCommand(
            """
            SELECT p.entity_type, p.entity_id, p.sequence, p.type
            FROM unnest(@types, @ids, @sequences, @eventTypes) AS p(entity_type, entity_id, sequence, type)
            WHERE NOT EXISTS (SELECT 1 FROM orderactors_events e
                              WHERE e.service_id = @ServiceId AND e.entity_type = p.entity_type AND e.entity_id = p.entity_id
                                AND e.sequence = p.sequence AND e.type = p.type)
            """, connection, transaction);
        missing.Parameters.AddWithValue("ServiceId", serviceId);
        missing.Parameters.AddWithValue("types", pending.Select(p => p.Type).ToArray());
        missing.Parameters.AddWithValue("ids", pending.Select(p => p.Id).ToArray());
        missing.Parameters.AddWithValue("sequences", pending.Select(p => p.Sequence).ToArray());
        missing.Parameters.AddWithValue("eventTypes", pending.Select(p => p.EventType).ToArray());
        await using var unlogged = await missing.ExecuteReaderAsync(cancellationToken);
        while (await unlogged.ReadAsync(cancellationToken))
        {
            stored.UnloggedPending.Add($"{unlogged.GetString(0)} {unlogged.GetString(1)}: outbox event {unlogged.GetInt64(2)} ({unlogged.GetString(3)})");
        }
    }

    private static async Task ReadListings(
        StoredState stored, NpgsqlConnection connection, NpgsqlTransaction transaction, string serviceId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("SELECT sku, name, description, price, currency, available, active, version FROM catalog_products WHERE service_id = $1")
                {
                    Parameters = { new() { Value = serviceId } },
                },
                new("SELECT order_id, customer_id, status, total, currency, created_at, version FROM customer_orders WHERE service_id = $1")
                {
                    Parameters = { new() { Value = serviceId } },
                },
            },
        };
        await using var rows = await batch.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            stored.ListedProducts[rows.GetString(0)] = new(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetDecimal(3),
                rows.GetString(4), rows.GetInt32(5), rows.GetBoolean(6), rows.GetInt64(7));
        }

        await rows.NextResultAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            stored.ListedOrders[rows.GetString(0)] = new(rows.GetString(0), rows.GetString(1), Enum.Parse<OrderStatus>(rows.GetString(2)),
                rows.GetDecimal(3), rows.GetString(4), rows.GetFieldValue<DateTimeOffset>(5), rows.GetInt32(6));
        }
    }

    private static T Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return item;
    }

    private static T Read<T>(byte[] payload) => JsonSerializer.Deserialize<T>(payload, StoredJson.Options)!;
}

/// <summary>One entity's events in the log: how many, and the lowest and highest sequence.</summary>
public sealed record LoggedRange(long Count, long First, long Last);
