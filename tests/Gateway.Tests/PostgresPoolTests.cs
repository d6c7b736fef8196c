extern alias silo;

using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrderActors.Grains.Abstractions;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>How a silo uses PostgreSQL connections: bounded, shared by everything in the silo, and reused without a session reset.</summary>
public sealed class PostgresPoolTests
{
    [Fact]
    public void A_connection_string_without_a_pool_size_gets_the_silos_bound_and_one_with_it_keeps_its_own()
    {
        var unset = new NpgsqlConnectionStringBuilder(SiloHostingExtensions.ForProviders("Host=db;Username=u;Database=d"));
        Assert.Equal(SiloHostingExtensions.DefaultMaxPoolSize, unset.MaxPoolSize);
        Assert.Equal(32, unset.MaxAutoPrepare);

        foreach (var given in new[] { "Maximum Pool Size=100", "maximum pool size=7", "MaxPoolSize=7" })
        {
            var kept = new NpgsqlConnectionStringBuilder(SiloHostingExtensions.ForProviders($"Host=db;{given}"));
            Assert.Equal(new NpgsqlConnectionStringBuilder(given).MaxPoolSize, kept.MaxPoolSize);
        }

        Assert.Equal(4, new NpgsqlConnectionStringBuilder(SiloHostingExtensions.ForProviders("Host=db;Max Auto Prepare=4")).MaxAutoPrepare);
        Assert.True(unset.NoResetOnClose);
        Assert.False(new NpgsqlConnectionStringBuilder(SiloHostingExtensions.ForProviders("Host=db;No Reset On Close=false")).NoResetOnClose);
    }

    [Fact]
    public async Task A_providers_connection_returns_to_the_pool_without_a_session_reset_but_never_with_an_open_transaction()
    {
        // A pool of its own (its own application name) of one connection, so every open below gets the same backend.
        var connection = new DbConnectionStringBuilder { ConnectionString = SiloHostingExtensions.ForProviders(TestEnvironment.Postgres) };
        connection["Application Name"] = $"reset-test-{Guid.NewGuid():N}"[..30];
        connection["Maximum Pool Size"] = 1;
        var table = $"reset_test_{Guid.NewGuid():N}";

        var backend = await UseAsync(connection.ConnectionString, "SET work_mem = '7MB'", "SELECT pg_backend_pid()");
        // Npgsql would have reset the setting before this use (RESET ALL); the silo's pool leaves the session as it was.
        Assert.Equal(backend, await UseAsync(connection.ConnectionString, "SELECT pg_backend_pid()"));
        Assert.Equal("7MB", await UseAsync(connection.ConnectionString, "SELECT current_setting('work_mem')"));

        await using (var open = new NpgsqlConnection(connection.ConnectionString))
        {
            await open.OpenAsync();
            // Not disposed, so not rolled back here: the connection goes back to the pool with the transaction open.
            var transaction = await open.BeginTransactionAsync();
            await using var create = new NpgsqlCommand($"CREATE TABLE {table} (id int)", open, transaction);
            await create.ExecuteNonQueryAsync();
        }

        Assert.Equal(backend, await UseAsync(connection.ConnectionString, "SELECT pg_backend_pid()"));
        Assert.Null(await UseAsync(connection.ConnectionString, $"SELECT to_regclass('{table}')::text"));
    }

    /// <summary>Opens a pooled connection, runs the commands, returns the last one's first value and gives the connection back.</summary>
    private static async Task<object?> UseAsync(string connectionString, params string[] commands)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        object? value = null;
        foreach (var sql in commands)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            value = await command.ExecuteScalarAsync();
        }

        return value is DBNull ? null : value;
    }

    [Fact]
    public async Task A_silo_under_many_concurrent_writes_holds_at_most_its_bound_of_connections()
    {
        // The test database's connection string with its pool size taken out, under a name of this test's own.
        var application = $"pool-test-{Guid.NewGuid():N}"[..30];
        var connection = new DbConnectionStringBuilder { ConnectionString = TestEnvironment.Postgres };
        connection.Remove("Maximum Pool Size");
        connection["Application Name"] = application;
        var settings = GatewayFixture.NewClusterSettings();
        settings["ConnectionStrings:Postgres"] = connection.ConnectionString;

        await using var silo = await GatewayFixture.StartSiloAsync(settings);
        var grains = silo.Services.GetRequiredService<IGrainFactory>();

        using var stop = new CancellationTokenSource();
        var counting = CountConnectionsAsync(application, stop.Token);
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
                grains.GetGrain<IProductGrain>($"pool-{application}-{round}-{i}").Create(new CreateProduct("Pooled", "", 1m, "EUR", 5))));
        }

        await stop.CancelAsync();
        var most = await counting;

        // Without the bound Npgsql opens up to 100; with it, waits queue in the silo. More than one proves the load ran.
        Assert.InRange(most, 2, SiloHostingExtensions.DefaultMaxPoolSize);
    }

    /// <summary>The most backends PostgreSQL showed for the application at once, sampled until cancelled.</summary>
    private static async Task<int> CountConnectionsAsync(string application, CancellationToken cancellation)
    {
        await using var observer = new NpgsqlConnection(TestEnvironment.Postgres);
        await observer.OpenAsync(CancellationToken.None);
        await using var count = new NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = @name", observer);
        count.Parameters.AddWithValue("name", application);
        var most = 0;
        while (!cancellation.IsCancellationRequested)
        {
            most = Math.Max(most, (int)(await count.ExecuteScalarAsync(CancellationToken.None))!);
            await Task.Delay(5, CancellationToken.None);
        }

        return most;
    }
}
