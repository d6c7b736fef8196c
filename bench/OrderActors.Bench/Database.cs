using System.Text.Json;
using Npgsql;

namespace OrderActors.Bench;

/// <summary>The bench's own PostgreSQL database: creating it, reading stored grain state, counting writes, the lock design's tables.</summary>
public sealed class Database(string connectionString)
{
    public string ConnectionString => connectionString;

    public async Task EnsureExistsAsync()
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", target.Database!);
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target.Database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters) =>
        Convert.ToInt64(await ValueAsync(sql, parameters) ?? 0L);

    /// <summary>The stored JSON state of one string-keyed grain, as PostgreSQL holds it now.</summary>
    public async Task<JsonElement> StoredStateAsync(string serviceId, string grainType, string key)
    {
        var (payload, _) = await StoredRowAsync(serviceId, grainType, key);
        return JsonDocument.Parse(payload).RootElement.Clone();
    }

    /// <summary>The row version counts the writes of a grain's state: one per insert or update.</summary>
    public async Task<long> StoredVersionAsync(string serviceId, string grainType, string key) =>
        (await StoredRowAsync(serviceId, grainType, key)).Version;

    /// <summary>Every storage write of a service so far, by grain type (rows are never deleted on the paths measured).</summary>
    public async Task<Dictionary<string, long>> StorageWritesAsync(string serviceId)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT GrainTypeString, sum(Version) FROM OrleansStorage WHERE ServiceId = @service GROUP BY GrainTypeString", connection);
        command.Parameters.AddWithValue("service", serviceId);
        await using var reader = await command.ExecuteReaderAsync();
        var writes = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            writes[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1));
        }

        return writes;
    }

    /// <summary>Storage writes per order by grain type between two <see cref="StorageWritesAsync"/> readings.</summary>
    public static Dictionary<string, double> WritesPerOrder(Dictionary<string, long> before, Dictionary<string, long> after, long orders) =>
        after.ToDictionary(w => w.Key, w => (w.Value - before.GetValueOrDefault(w.Key)) / (double)Math.Max(1, orders));

    /// <summary>Rows inserted, updated and deleted in a table since the statistics were reset (flushed within ~10 s).</summary>
    public Task<long> TableWritesAsync(string table) =>
        ScalarAsync("SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relname = @table", ("table", table));

    public async Task<byte[]> AnyPayloadAsync(string serviceId, string grainType) =>
        (byte[])(await ValueAsync(
            "SELECT PayloadBinary FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = @type AND PayloadBinary IS NOT NULL LIMIT 1",
            ("service", serviceId), ("type", grainType)) ?? throw new InvalidOperationException($"No stored {grainType} state."));

    public async Task<string> QueryTextAsync(string key) =>
        (string)(await ValueAsync("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", ("key", key))
                 ?? throw new InvalidOperationException($"No query {key}."));

    /// <summary>
    /// Forgets what a run stored, so the bench database does not grow run after run: its rows in every table keyed by
    /// service — grain state and reminders, and the event log and read model the silos write beside them (until
    /// 5 December only the first two were deleted, and a day of runs left 3.9 million events behind).
    /// </summary>
    public async Task DeleteServiceAsync(string serviceId)
    {
        await using var connection = await OpenAsync();
        var keyed = new List<(string Table, string Column)>();
        await using (var find = new NpgsqlCommand(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name IN ('serviceid', 'service_id')",
            connection))
        await using (var reader = await find.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keyed.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (table, column) in keyed)
        {
            await using var command = new NpgsqlCommand($"DELETE FROM \"{table}\" WHERE \"{column}\" LIKE @service", connection);
            command.Parameters.AddWithValue("service", serviceId + "%");
            // A long run's event log is hundreds of thousands of rows.
            command.CommandTimeout = 600;
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<(byte[] Payload, long Version)> StoredRowAsync(string serviceId, string grainType, string key)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT PayloadBinary, Version FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = @type AND GrainIdExtensionString = @key",
            connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("type", grainType);
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"No stored {grainType} '{key}' for service {serviceId}.");
        }

        return ((byte[])reader[0], reader.GetInt32(1));
    }

    /// <summary>The first column of the first row, or null when there is none.</summary>
    private async Task<object?> ValueAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteScalarAsync();
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
