using Npgsql;
using NpgsqlTypes;
using OrderActors.Grains.Abstractions;
using Microsoft.Extensions.Options;
using OrderActors.Grains.ReadModel;
using OrderActors.Silo.Verification;
using Orleans.Configuration;

namespace OrderActors.Silo.ReadModel;

/// <summary>
/// The listings read model in PostgreSQL, written by the projection of the event log
/// (<see cref="Grains.ReadModel.ListingProjectionGrain"/>). A summary only replaces an older version of itself, so
/// late, repeated or reordered writes are harmless. <see cref="RebuildAsync"/> restores the whole model from the
/// grains' stored state (<c>rebuild-read-model</c>), for a model that was lost or data stored before the event log.
/// </summary>
public sealed class PostgresReadModel(
    IConfiguration configuration,
    IOptions<ClusterOptions> cluster,
    ILogger<PostgresReadModel> logger) : IReadModel
{
    private string ConnectionString => configuration.GetConnectionString("Postgres")!;

    private string ServiceId => cluster.Value.ServiceId;

    public async Task<Page<ProductSummary>> SearchProducts(string? query, string? cursor, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT sku, name, description, price, currency, available, active, version
            FROM catalog_products
            WHERE service_id = @service AND active
              AND (@pattern::text IS NULL OR sku ILIKE @pattern OR name ILIKE @pattern OR description ILIKE @pattern)
              AND (@after::text IS NULL OR sku > @after)
            ORDER BY sku
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("service", ServiceId);
        command.Parameters.Add(new NpgsqlParameter("pattern", NpgsqlDbType.Text) { Value = Pattern(query) ?? (object)DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = cursor is null ? DBNull.Value : Cursors.Decode(cursor) });
        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<ProductSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new ProductSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetBoolean(6), reader.GetInt64(7)));
        }

        return Paged(items, limit, last => Cursors.Encode(last.Sku));
    }

    public async Task<Page<OrderSummary>> CustomerOrders(string customerId, string? cursor, int limit, CancellationToken cancellationToken)
    {
        DateTimeOffset? beforeAt = null;
        string? beforeId = null;
        if (cursor is not null)
        {
            var parts = Cursors.Decode(cursor).Split('|', 2);
            beforeAt = parts.Length == 2 ? DateTimeOffset.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) : throw new FormatException();
            beforeId = parts[1];
        }

        await using var connection = await Open(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT order_id, customer_id, status, total, currency, created_at, version
            FROM customer_orders
            WHERE service_id = @service AND customer_id = @customer
              AND (@before_at::timestamptz IS NULL OR (created_at, order_id) < (@before_at, @before_id))
            ORDER BY created_at DESC, order_id DESC
            LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("service", ServiceId);
        command.Parameters.AddWithValue("customer", customerId);
        command.Parameters.Add(new NpgsqlParameter("before_at", NpgsqlDbType.TimestampTz) { Value = beforeAt ?? (object)DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before_id", NpgsqlDbType.Text) { Value = beforeId ?? (object)DBNull.Value });
        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<OrderSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new OrderSummary(reader.GetString(0), reader.GetString(1), Enum.Parse<OrderStatus>(reader.GetString(2)),
                reader.GetDecimal(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6)));
        }

        return Paged(items, limit, last => Cursors.Encode($"{last.CreatedAt.UtcDateTime:O}|{last.OrderId}"));
    }

    /// <summary>Writes a summary of every stored product and order; returns how many.</summary>
    public async Task<int> RebuildAsync(CancellationToken cancellationToken)
    {
        var stored = await StoredState.LoadAsync(ConnectionString, ServiceId, TimeSpan.Zero, cancellationToken);
        var productBatch = stored.Products.Where(p => p.Exists).Select(p => p.ToSummary()).ToList();
        var orderBatch = stored.Orders.Where(o => o.IsPlaced()).Select(o => o.ToSummary()).ToList();
        await Write(productBatch, orderBatch, cancellationToken);
        logger.LogInformation("Rebuilt the read model of {ServiceId}: {Products} products, {Orders} orders", ServiceId, productBatch.Count, orderBatch.Count);
        return productBatch.Count + orderBatch.Count;
    }

    public async Task Write(IReadOnlyList<ProductSummary> productBatch, IReadOnlyList<OrderSummary> orderBatch, CancellationToken cancellationToken)
    {
        if (productBatch.Count + orderBatch.Count == 0)
        {
            return;
        }

        await using var connection = await Open(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var p in productBatch)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO catalog_products (service_id, sku, name, description, price, currency, available, active, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (service_id, sku) DO UPDATE SET
                  name = EXCLUDED.name, description = EXCLUDED.description, price = EXCLUDED.price, currency = EXCLUDED.currency,
                  available = EXCLUDED.available, active = EXCLUDED.active, version = EXCLUDED.version
                WHERE catalog_products.version < EXCLUDED.version
                """,
                ServiceId, p.Sku, p.Name, p.Description, p.Price, p.Currency, p.Available, p.Active, p.Version));
        }

        foreach (var o in orderBatch)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO customer_orders (service_id, order_id, customer_id, status, total, currency, created_at, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (service_id, order_id) DO UPDATE SET
                  status = EXCLUDED.status, total = EXCLUDED.total, version = EXCLUDED.version
                WHERE customer_orders.version < EXCLUDED.version
                """,
                ServiceId, o.OrderId, o.CustomerId, o.Status.ToString(), o.Total, o.Currency, o.CreatedAt, o.Version));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<NpgsqlConnection> Open(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private static Page<T> Paged<T>(List<T> items, int limit, Func<T, string> cursorOf) =>
        items.Count > limit ? new Page<T>(items[..limit], cursorOf(items[limit - 1])) : new Page<T>(items, null);

    /// <summary>A case-insensitive "contains" pattern with LIKE's wildcards in the query taken literally.</summary>
    private static string? Pattern(string? query) =>
        string.IsNullOrWhiteSpace(query)
            ? null
            : "%" + query.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
}
