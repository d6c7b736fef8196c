using System.Data;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrderActors.Grains.Events;
using OrderActors.Grains.Products;
using OrderActors.Silo.Hosting;
using OrderActors.Silo.Schema;

namespace OrderActors.Cluster.Tests;

/// <summary>
/// Proves the schema against the contract of Orleans' ADO.NET providers on a real PostgreSQL: each
/// query is read from OrleansQuery and run with the parameter names and types the provider sends.
/// </summary>
public sealed class SchemaTests : IAsyncLifetime
{
    public Task InitializeAsync() => PostgresSchema.ApplyAsync(TestEnvironment.Postgres, NullLogger.Instance, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Schema_applies_twice_and_concurrently_without_error()
    {
        // A fresh database, so the concurrent runs race on the very first application.
        await InFreshDatabaseAsync(async connectionString =>
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
                Task.Run(() => PostgresSchema.ApplyAsync(connectionString, NullLogger.Instance, CancellationToken.None))));
            await PostgresSchema.ApplyAsync(connectionString, NullLogger.Instance, CancellationToken.None);

            await using var connection = await OpenAsync(connectionString);
            Assert.Equal(Enumerable.Range(1, PostgresSchema.Version), await ListAsync<int>(connection, "SELECT version FROM orderactors_schema_version ORDER BY version"));
            string[] expectedKeys =
            [
                "ClearStorageKey", "DeleteReminderRowKey", "DeleteReminderRowsKey", "DeleteStorageKey",
                "ReadFromStorageKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
                "ReadReminderRowsKey", "UpsertReminderRowKey", "WriteToStorageKey",
            ];
            Assert.Equal(expectedKeys, await ListAsync<string>(connection, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey COLLATE \"C\""));
        });
    }

    [Fact]
    public async Task Reminder_key_lookups_use_the_primary_key_while_statistics_lag_behind()
    {
        // Statistics taken while the table was nearly empty, then a sale's worth of reminders in one service: where a
        // planner stands when a flash sale starts. Looking up or deleting one reminder must not walk all of them.
        await InFreshDatabaseAsync(async connectionString =>
        {
            await PostgresSchema.ApplyAsync(connectionString, NullLogger.Instance, CancellationToken.None);
            await using var connection = await OpenAsync(connectionString);
            var serviceId = NewServiceId();
            await UpsertReminderAsync(connection, serviceId, "order/first", "deadline", DateTime.UtcNow, TimeSpan.FromMinutes(1), grainHash: 1);
            await ExecuteAsync(connectionString, "ANALYZE OrleansReminders");
            await ExecuteAsync(connectionString, $"""
                INSERT INTO OrleansReminders (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
                SELECT '{serviceId}', 'order/' || i, 'deadline', now(), 60000, hashtext(i::text), 0
                FROM generate_series(1, 20000) i
                """);

            void Key(NpgsqlCommand c)
            {
                Add(c, "ServiceId", serviceId);
                Add(c, "GrainId", "order/7");
                Add(c, "ReminderName", "deadline");
            }

            var read = await ExplainAsync(connection, "ReadReminderRowKey", Key);
            var delete = await ExplainAsync(connection, "DeleteReminderRowKey", c =>
            {
                Key(c);
                Add(c, "Version", 0);
            });

            Assert.Contains("orleansreminders_pkey", read);
            Assert.Contains("orleansreminders_pkey", delete);
        });
    }

    [Fact]
    public async Task Prepared_storage_statements_find_their_row_through_the_whole_key_on_100000_rows()
    {
        // What a silo runs once Npgsql has prepared its statements: PostgreSQL's generic plan, the same for every
        // parameter value, with statistics taken while the table was nearly empty and 100,000 string-keyed grains of
        // one type stored since. Every key column must be an index condition; with the key test of schema 1 the
        // generic plan matched four columns and filtered every grain of the type.
        await InFreshDatabaseAsync(async connectionString =>
        {
            await PostgresSchema.ApplyAsync(connectionString, NullLogger.Instance, CancellationToken.None);
            await using var connection = await OpenAsync(connectionString);
            var key = GrainKey.New(extension: "cart-1") with { N0 = 0, N1 = 0 };
            Assert.Equal(1, await WriteAsync(connection, key, version: null, [1]));
            await ExecuteAsync(connectionString, "ANALYZE OrleansStorage");
            await ExecuteAsync(connectionString, $"""
                INSERT INTO OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, GrainIdHash, GrainTypeHash, PayloadBinary, Version)
                SELECT '{key.ServiceId}', '{key.GrainType}', 0, 0, 'cart-' || i, 0, 0, '\x01'::bytea, 1
                FROM generate_series(2, 100001) i
                """);
            await ExecuteAsync(connection, "SET plan_cache_mode = force_generic_plan");

            foreach (var query in new[] { "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey" })
            {
                AssertFindsRowByWholeKey(query, await GenericPlanAsync(connection, query, key));
            }

            // The write is a function call (schema 9): what must use the key is the plan of the update inside it, which
            // PL/pgSQL caches for the connection like a prepared statement. The row is still found, and only it is changed.
            var plans = await NestedPlansAsync(connection, async () => Assert.Equal(2, await WriteAsync(connection, key, version: 1, [2])));
            AssertFindsRowByWholeKey("the write's update", Assert.Single(plans, plan => Regex.IsMatch(plan, @"Update on (public\.)?orleansstorage\b")));
            Assert.Equal([2], (await ReadStateAsync(connection, key))!.Payload);
        });
    }

    [Fact]
    public async Task The_storage_write_is_planned_once_not_on_every_write()
    {
        // PostgreSQL plans a cached statement (prepared, or inside a PL/pgSQL function, as the write is since schema 9)
        // for each execution's values five times, then keeps its generic plan unless those custom plans looked cheaper.
        // With the outbox function IMMUTABLE they always did (the planner ran it on the payload), and every write was
        // planned anew. A generic plan names its values as parameters ($1, ...); a custom plan holds the values themselves.
        await using var connection = await OpenAsync(SiloHostingExtensions.ForProviders(TestEnvironment.Postgres));
        var key = GrainKey.New(extension: "planned-once");
        var payload = WithOutbox(key, 1);
        int? version = null;
        for (var write = 1; write <= 11; write++)
        {
            version = await WriteAsync(connection, key, version, payload);
            Assert.Equal(write, version);
        }

        var plans = await NestedPlansAsync(connection, async () => Assert.Equal(12, await WriteAsync(connection, key, version, payload)));
        var statements = plans.Where(plan => Regex.IsMatch(plan, @"(Update|Insert) on (public\.)?(orleansstorage|orderactors_events)\b")).ToList();
        Assert.Equal(2, statements.Count); // the update, and the outbox's insert
        Assert.All(statements, plan => Assert.True(plan.Contains("$1", StringComparison.Ordinal) && !plan.Contains("planned-once", StringComparison.Ordinal),
            $"the write was planned for its values on its twelfth execution:\n{plan}"));
    }

    [Fact]
    public async Task Storage_write_read_round_trip_bumps_version()
    {
        await using var connection = await OpenAsync(TestEnvironment.Postgres);
        var key = GrainKey.New(extension: null);

        Assert.Null(await ReadStateAsync(connection, key));
        Assert.Equal(1, await WriteAsync(connection, key, version: null, [1, 2, 3]));

        var first = Assert.IsType<StoredState>(await ReadStateAsync(connection, key));
        Assert.Equal([1, 2, 3], first.Payload);
        Assert.Equal(1, first.Version);
        Assert.Equal(DateTimeKind.Utc, first.ModifiedOn.Kind);
        Assert.InRange(first.ModifiedOn, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));

        Assert.Equal(2, await WriteAsync(connection, key, version: 1, [4, 5]));
        var second = Assert.IsType<StoredState>(await ReadStateAsync(connection, key));
        Assert.Equal([4, 5], second.Payload);
        Assert.Equal(2, second.Version);

        // Same numeric id with a key extension is a different grain.
        var extended = key with { Extension = "eu" };
        Assert.Null(await ReadStateAsync(connection, extended));
        Assert.Equal(1, await WriteAsync(connection, extended, version: null, [9]));
        Assert.Equal([9], (await ReadStateAsync(connection, extended))!.Payload);
        Assert.Equal([4, 5], (await ReadStateAsync(connection, key))!.Payload);
    }

    [Fact]
    public async Task Storage_write_with_stale_version_does_not_change_the_row()
    {
        await using var connection = await OpenAsync(TestEnvironment.Postgres);
        var key = GrainKey.New(extension: "tenant-1");
        Assert.Equal(1, await WriteAsync(connection, key, version: null, [1]));
        Assert.Equal(2, await WriteAsync(connection, key, version: 1, [2]));

        // The provider reports a conflict when it gets back the version it sent (or NULL).
        Assert.Equal(1, await WriteAsync(connection, key, version: 1, [3]));
        Assert.Equal(7, await WriteAsync(connection, key, version: 7, [3]));
        Assert.Null(await WriteAsync(connection, key, version: null, [3]));

        var state = Assert.IsType<StoredState>(await ReadStateAsync(connection, key));
        Assert.Equal([2], state.Payload);
        Assert.Equal(2, state.Version);

        // A versioned write for a state that was never stored is a conflict too, not an insert.
        Assert.Equal(1, await WriteAsync(connection, GrainKey.New(extension: null), version: 1, [1]));
    }

    [Fact]
    public async Task A_states_outbox_reaches_the_event_log_only_with_a_write_that_stored_it_and_only_once()
    {
        await using var connection = await OpenAsync(TestEnvironment.Postgres);
        var key = GrainKey.New(extension: "outbox-1");
        var first = WithOutbox(key, 1);
        var both = WithOutbox(key, 1, 2);

        Assert.Equal(1, await WriteAsync(connection, key, version: null, first));
        Assert.Equal([1L], await LoggedAsync());

        // Conflicts store nothing, so they log nothing: a stale version, a lost first write.
        Assert.Equal(7, await WriteAsync(connection, key, version: 7, both));
        Assert.Null(await WriteAsync(connection, key, version: null, both));
        Assert.Equal([1L], await LoggedAsync());

        // A stored write logs what is new; an event still pending from an earlier write is not logged twice.
        Assert.Equal(2, await WriteAsync(connection, key, version: 1, both));
        Assert.Equal([1L, 2L], await LoggedAsync());

        Task<List<long>> LoggedAsync() => ListAsync<long>(connection,
            $"SELECT sequence FROM orderactors_events WHERE service_id = '{key.ServiceId}' AND entity_id = '{key.Extension}' ORDER BY sequence");
    }

    /// <summary>A product's state as a silo stores it, its outbox holding events <paramref name="sequences"/> of <paramref name="key"/>'s entity.</summary>
    private static byte[] WithOutbox(GrainKey key, params long[] sequences) => new StateJsonSerializer().Serialize(new ProductState
    {
        Outbox = new Outbox
        {
            EntityId = key.Extension!,
            LastSequence = sequences.Max(),
            Pending = [.. sequences.Select(n => new OutboxEvent { Sequence = n, Type = "product.stock_changed", At = DateTimeOffset.UnixEpoch, Actor = "a", Data = "{}" })],
        },
    }).ToArray();

    [Fact]
    public async Task Concurrent_first_writes_leave_one_row()
    {
        const int Writers = 8;
        var key = GrainKey.New(extension: null);
        var connections = await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => OpenAsync(TestEnvironment.Postgres)));
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writes = connections.Select((connection, i) => Task.Run(async () =>
            {
                await start.Task;
                return await WriteAsync(connection, key, version: null, [(byte)i]);
            })).ToArray();
            start.SetResult();
            var results = await Task.WhenAll(writes);

            Assert.Single(results, r => r == 1);
            Assert.All(results.Where(r => r != 1), r => Assert.Null(r));

            var stored = Assert.IsType<StoredState>(await ReadStateAsync(connections[0], key));
            Assert.Equal(1, stored.Version);
            Assert.Equal(
                [1L],
                await ListAsync<long>(
                    connections[0],
                    $"SELECT count(*) FROM OrleansStorage WHERE ServiceId = '{key.ServiceId}'"));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Storage_clear_and_delete_follow_the_version()
    {
        await using var connection = await OpenAsync(TestEnvironment.Postgres);
        var key = GrainKey.New(extension: null);
        Assert.Equal(1, await WriteAsync(connection, key, version: null, [1]));

        Assert.Equal(5, await ClearAsync(connection, key, version: 5));
        Assert.Equal([1], (await ReadStateAsync(connection, key))!.Payload);

        Assert.Equal(2, await ClearAsync(connection, key, version: 1));
        var cleared = Assert.IsType<StoredState>(await ReadStateAsync(connection, key));
        Assert.Null(cleared.Payload);
        Assert.Equal(2, cleared.Version);

        // Clearing keeps the row, so writing after a clear continues from its version.
        Assert.Equal(3, await WriteAsync(connection, key, version: 2, [2]));

        Assert.Equal(2, await DeleteAsync(connection, key, version: 2));
        Assert.NotNull(await ReadStateAsync(connection, key));

        Assert.Equal(4, await DeleteAsync(connection, key, version: 3));
        Assert.Null(await ReadStateAsync(connection, key));
        Assert.Equal(4, await DeleteAsync(connection, key, version: 4));
    }

    [Fact]
    public async Task Reminder_upsert_read_range_and_delete()
    {
        await using var connection = await OpenAsync(TestEnvironment.Postgres);
        var serviceId = NewServiceId();
        var start = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc);

        Assert.Equal(0, await UpsertReminderAsync(connection, serviceId, "cart/a", "expire", start, TimeSpan.FromMinutes(1), grainHash: 100));
        Assert.Equal(1, await UpsertReminderAsync(connection, serviceId, "cart/a", "expire", start.AddHours(1), TimeSpan.FromMinutes(2), grainHash: 100));
        // Periods beyond int.MaxValue ms are sent as bigint.
        Assert.Equal(0, await UpsertReminderAsync(connection, serviceId, "cart/a", "audit", start, TimeSpan.FromDays(30), grainHash: 100));
        Assert.Equal(0, await UpsertReminderAsync(connection, serviceId, "cart/low", "expire", start, TimeSpan.FromMinutes(1), grainHash: int.MinValue + 5));
        Assert.Equal(0, await UpsertReminderAsync(connection, serviceId, "cart/high", "expire", start, TimeSpan.FromMinutes(1), grainHash: int.MaxValue - 5));

        var expire = Assert.Single(await ReadRemindersAsync(connection, "ReadReminderRowKey", c =>
        {
            Add(c, "ServiceId", serviceId);
            Add(c, "GrainId", "cart/a");
            Add(c, "ReminderName", "expire");
        }));
        Assert.Equal(new Reminder("cart/a", "expire", start.AddHours(1), 120_000, 1), expire);
        Assert.Equal(DateTimeKind.Utc, expire.StartTime.Kind);

        var ofGrain = await ReadRemindersAsync(connection, "ReadReminderRowsKey", c =>
        {
            Add(c, "ServiceId", serviceId);
            Add(c, "GrainId", "cart/a");
        });
        Assert.Equal(
            [new Reminder("cart/a", "audit", start, (long)TimeSpan.FromDays(30).TotalMilliseconds, 0), expire],
            ofGrain.OrderBy(r => r.ReminderName));

        Assert.Equal(["cart/a", "cart/a"], (await ReadRangeAsync(connection, serviceId, "ReadRangeRows1Key", 99, 100)).Select(r => r.GrainId));
        Assert.Empty(await ReadRangeAsync(connection, serviceId, "ReadRangeRows1Key", 100, 1000));
        Assert.Equal(
            ["cart/high", "cart/low"],
            (await ReadRangeAsync(connection, serviceId, "ReadRangeRows2Key", int.MaxValue - 10, int.MinValue + 10)).Select(r => r.GrainId).Order());

        Assert.Equal(0, await DeleteReminderAsync(connection, serviceId, "cart/a", "expire", version: 0));
        Assert.Equal(2, (await ReadRangeAsync(connection, serviceId, "ReadRangeRows1Key", 99, 100)).Count);
        Assert.Equal(1, await DeleteReminderAsync(connection, serviceId, "cart/a", "expire", version: 1));
        Assert.Equal(["audit"], (await ReadRangeAsync(connection, serviceId, "ReadRangeRows1Key", 99, 100)).Select(r => r.ReminderName));

        await RunAsync(connection, "DeleteReminderRowsKey", c => Add(c, "ServiceId", serviceId));
        Assert.Empty(await ReadRangeAsync(connection, serviceId, "ReadRangeRows2Key", 0, 0));
    }

    private sealed record GrainKey(string ServiceId, string GrainType, long N0, long N1, string? Extension, int GrainIdHash, int GrainTypeHash)
    {
        public static GrainKey New(string? extension) =>
            new(NewServiceId(), "cart", Random.Shared.NextInt64(), Random.Shared.NextInt64(), extension, Random.Shared.Next(), Random.Shared.Next());
    }

    private sealed record StoredState(byte[]? Payload, DateTime ModifiedOn, int Version);

    private sealed record Reminder(string GrainId, string ReminderName, DateTime StartTime, long Period, int Version);

    private sealed record Row(List<string> Columns, List<object?> Values)
    {
        // Npgsql matches names case-insensitively; PostgreSQL folds unquoted column names to lower case.
        public object? this[string column]
        {
            get
            {
                var index = Columns.FindIndex(c => string.Equals(c, column, StringComparison.OrdinalIgnoreCase));
                return index >= 0 ? Values[index] : throw new KeyNotFoundException($"No column {column} in [{string.Join(", ", Columns)}].");
            }
        }
    }

    private static string NewServiceId() => $"schema-tests-{Guid.NewGuid():N}";

    private static async Task<int?> WriteAsync(NpgsqlConnection connection, GrainKey key, int? version, byte[] payload)
    {
        var rows = await RunStorageAsync(connection, "WriteToStorageKey", key, version, payload);
        return (int?)Assert.Single(rows)["NewGrainStateVersion"];
    }

    private static async Task<int?> ClearAsync(NpgsqlConnection connection, GrainKey key, int? version) =>
        (int?)Assert.Single(await RunStorageAsync(connection, "ClearStorageKey", key, version, payload: null)).Values[0];

    private static async Task<int?> DeleteAsync(NpgsqlConnection connection, GrainKey key, int? version) =>
        (int?)Assert.Single(await RunStorageAsync(connection, "DeleteStorageKey", key, version, payload: null)).Values[0];

    private static async Task<StoredState?> ReadStateAsync(NpgsqlConnection connection, GrainKey key)
    {
        var rows = await RunStorageAsync(connection, "ReadFromStorageKey", key, version: null, payload: null, sendStateParameters: false);
        if (rows.Count == 0)
        {
            return null;
        }

        // The provider reads the payload and version by name; the contract also fixes their positions.
        var row = Assert.Single(rows);
        Assert.Equal(["payloadbinary", "modifiedon", "version"], row.Columns.Select(c => c.ToLowerInvariant()));
        return new StoredState((byte[]?)row["PayloadBinary"], (DateTime)row.Values[1]!, (int)row["Version"]!);
    }

    private static Task<List<Row>> RunStorageAsync(
        NpgsqlConnection connection, string queryKey, GrainKey key, int? version, byte[]? payload, bool sendStateParameters = true) =>
        RunAsync(connection, queryKey, c =>
        {
            Add(c, "GrainIdHash", key.GrainIdHash);
            Add(c, "GrainIdN0", key.N0);
            Add(c, "GrainIdN1", key.N1);
            Add(c, "GrainTypeHash", key.GrainTypeHash);
            Add(c, "GrainTypeString", key.GrainType);
            Add(c, "GrainIdExtensionString", key.Extension);
            Add(c, "ServiceId", key.ServiceId);
            if (sendStateParameters)
            {
                Add(c, "GrainStateVersion", version);
                if (queryKey == "WriteToStorageKey")
                {
                    Add(c, "PayloadBinary", payload);
                }
            }
        });

    private static async Task<int> UpsertReminderAsync(
        NpgsqlConnection connection, string serviceId, string grainId, string name, DateTime startTime, TimeSpan period, int grainHash)
    {
        var rows = await RunAsync(connection, "UpsertReminderRowKey", c =>
        {
            Add(c, "ServiceId", serviceId);
            Add(c, "GrainHash", grainHash);
            Add(c, "GrainId", grainId);
            Add(c, "ReminderName", name);
            Add(c, "StartTime", startTime);
            // As the provider does: int when it fits, for schemas that still have an int column.
            if (period.TotalMilliseconds <= int.MaxValue)
            {
                Add(c, "Period", (int)period.TotalMilliseconds);
            }
            else
            {
                Add(c, "Period", (long)period.TotalMilliseconds);
            }
        });
        return Convert.ToInt32(Assert.Single(rows)["Version"]);
    }

    private static async Task<List<Reminder>> ReadRemindersAsync(NpgsqlConnection connection, string queryKey, Action<NpgsqlCommand> bind) =>
        (await RunAsync(connection, queryKey, bind))
            .Select(r => new Reminder(
                (string)r["GrainId"]!,
                (string)r["ReminderName"]!,
                (DateTime)r["StartTime"]!,
                Convert.ToInt64(r["Period"]),
                Convert.ToInt32(r["Version"])))
            .ToList();

    private static Task<List<Reminder>> ReadRangeAsync(NpgsqlConnection connection, string serviceId, string queryKey, int beginHash, int endHash) =>
        ReadRemindersAsync(connection, queryKey, c =>
        {
            Add(c, "ServiceId", serviceId);
            Add(c, "BeginHash", beginHash);
            Add(c, "EndHash", endHash);
        });

    private static async Task<int> DeleteReminderAsync(NpgsqlConnection connection, string serviceId, string grainId, string name, int version)
    {
        var rows = await RunAsync(connection, "DeleteReminderRowKey", c =>
        {
            Add(c, "ServiceId", serviceId);
            Add(c, "GrainId", grainId);
            Add(c, "ReminderName", name);
            Add(c, "Version", version);
        });

        // The provider reads one row with exactly one value and converts it to a bool.
        var row = Assert.Single(rows);
        Assert.Single(row.Values);
        return Convert.ToInt32(row.Values[0]);
    }

    /// <summary>Runs the query stored under <paramref name="queryKey"/>, as the provider does.</summary>
    private static async Task<List<Row>> RunAsync(NpgsqlConnection connection, string queryKey, Action<NpgsqlCommand> bind)
    {
        await using var command = new NpgsqlCommand(await QueryTextAsync(connection, queryKey), connection);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync();
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            var values = Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToList();
            rows.Add(new Row(columns, values));
        }

        return rows;
    }

    /// <summary>The plan PostgreSQL picks for the stored query with these parameter values, as text.</summary>
    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string queryKey, Action<NpgsqlCommand> bind)
    {
        await using var command = new NpgsqlCommand("EXPLAIN " + await QueryTextAsync(connection, queryKey), connection);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    /// <summary>Asserts that every read of the storage table in <paramref name="plan"/> looks its row up through the whole key.</summary>
    private static void AssertFindsRowByWholeKey(string what, string plan)
    {
        var lines = plan.Split('\n').Select(line => line.Trim()).ToArray();
        var scans = lines.Index().Where(line => line.Item.Contains("Scan", StringComparison.Ordinal) &&
                                                Regex.IsMatch(line.Item, @" on (public\.)?orleansstorage\b", RegexOptions.IgnoreCase)).ToList();
        Assert.True(scans.Count > 0, $"{what} does not read the table:\n{plan}");
        foreach (var (at, scan) in scans)
        {
            // A verbose plan (auto_explain's) puts an Output line between the scan and its condition.
            var condition = lines.Skip(at + 1).SkipWhile(line => line.StartsWith("Output:", StringComparison.Ordinal)).FirstOrDefault() ?? "";
            Assert.True(scan.TrimStart('-', '>', ' ').StartsWith("Index Scan using orleansstorage_key on", StringComparison.OrdinalIgnoreCase) &&
                        condition.StartsWith("Index Cond:", StringComparison.Ordinal) &&
                        condition.Contains("grainidextensionstring", StringComparison.OrdinalIgnoreCase),
                $"{what} does not look its row up by the whole key:\n{plan}");
        }
    }

    /// <summary>
    /// The plans of the statements run inside functions while <paramref name="action"/> runs on this connection, as
    /// PostgreSQL's auto_explain reports them (sent to this client as notices).
    /// </summary>
    private static async Task<List<string>> NestedPlansAsync(NpgsqlConnection connection, Func<Task> action)
    {
        var plans = new List<string>();
        NoticeEventHandler collect = (_, e) =>
        {
            if (e.Notice.MessageText.Contains("plan:", StringComparison.Ordinal))
            {
                plans.Add(e.Notice.MessageText);
            }
        };
        await ExecuteAsync(connection, """
            LOAD 'auto_explain';
            SET auto_explain.log_min_duration = 0;
            SET auto_explain.log_nested_statements = on;
            SET auto_explain.log_verbose = on;
            SET client_min_messages = log
            """);
        connection.Notice += collect;
        try
        {
            await action();
        }
        finally
        {
            connection.Notice -= collect;
            await ExecuteAsync(connection, "SET auto_explain.log_min_duration = -1; RESET client_min_messages");
        }

        return plans;
    }

    /// <summary>
    /// The plan of the stored query as a prepared statement gets it under <c>plan_cache_mode = force_generic_plan</c>:
    /// prepared with the provider's parameter types, explained with <paramref name="key"/>'s values.
    /// </summary>
    private static async Task<string> GenericPlanAsync(NpgsqlConnection connection, string queryKey, GrainKey key)
    {
        (string Name, string Type, string Value)[] parameters =
        [
            ("ServiceId", "text", Literal(key.ServiceId)),
            ("GrainTypeString", "text", Literal(key.GrainType)),
            ("GrainIdN0", "bigint", key.N0.ToString(CultureInfo.InvariantCulture)),
            ("GrainIdN1", "bigint", key.N1.ToString(CultureInfo.InvariantCulture)),
            ("GrainIdExtensionString", "text", key.Extension is null ? "NULL" : Literal(key.Extension)),
            ("GrainIdHash", "integer", key.GrainIdHash.ToString(CultureInfo.InvariantCulture)),
            ("GrainTypeHash", "integer", key.GrainTypeHash.ToString(CultureInfo.InvariantCulture)),
            ("GrainStateVersion", "integer", "1"),
        ];
        var text = await QueryTextAsync(connection, queryKey);
        for (var i = 0; i < parameters.Length; i++)
        {
            text = Regex.Replace(text, $@"@{parameters[i].Name}\b", "$" + (i + 1));
        }

        var statement = "plan_" + queryKey.ToLowerInvariant();
        await ExecuteAsync(connection, $"PREPARE {statement}({string.Join(", ", parameters.Select(p => p.Type))}) AS {text.Trim().TrimEnd(';')}");
        await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE {statement}({string.Join(", ", parameters.Select(p => p.Value))})", connection);
        await using var reader = await explain.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0).Trim());
        }

        return string.Join('\n', lines);

        static string Literal(string value) => "'" + value.Replace("'", "''") + "'";
    }

    private static async Task<string> QueryTextAsync(NpgsqlConnection connection, string queryKey)
    {
        await using var lookup = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @key", connection);
        lookup.Parameters.AddWithValue("key", queryKey);
        return (string?)await lookup.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No query stored under {queryKey}.");
    }

    /// <summary>Runs <paramref name="test"/> against a database of its own, dropped afterwards.</summary>
    private static async Task InFreshDatabaseAsync(Func<string, Task> test)
    {
        var database = $"orderactors_schema_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(TestEnvironment.Postgres) { Database = database }.ConnectionString;
        await ExecuteAsync(TestEnvironment.Postgres, $"CREATE DATABASE {database}");
        try
        {
            await test(connectionString);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(TestEnvironment.Postgres, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    // The provider sets DbType from the CLR type of each value (Orleans' DbExtensions), never NpgsqlDbType.
    private static readonly Dictionary<Type, DbType> ProviderDbTypes = new()
    {
        [typeof(int)] = DbType.Int32,
        [typeof(int?)] = DbType.Int32,
        [typeof(long)] = DbType.Int64,
        [typeof(string)] = DbType.String,
        [typeof(byte[])] = DbType.Binary,
        [typeof(DateTime)] = DbType.DateTime,
    };

    private static void Add<T>(NpgsqlCommand command, string name, T value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = (object?)value ?? DBNull.Value;
        parameter.DbType = ProviderDbTypes[typeof(T)];
        command.Parameters.Add(parameter);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<T>> ListAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }
}
