extern alias silo;

using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrderActors.Grains.Abstractions;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>How many connections a silo opens to PostgreSQL: bounded, and shared by everything in the silo.</summary>
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
