using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrderActors.Grains.Abstractions;
using OrderActors.Silo.Events;
using OrderActors.Silo.Schema;
using Orleans.Configuration;

namespace OrderActors.Cluster.Tests;

/// <summary>
/// The log's readers on a real PostgreSQL, where positions are taken at insert and transactions commit in any order:
/// a reader that goes on from its place must never pass an event that commits after it read.
/// </summary>
public sealed class EventLogOrderTests : IAsyncLifetime
{
    private readonly string serviceId = $"log-order-{Guid.NewGuid():N}";

    public Task InitializeAsync() => PostgresSchema.ApplyAsync(TestEnvironment.Postgres, NullLogger.Instance, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_event_with_a_smaller_position_that_commits_later_is_still_read_after_the_reader_moved_on()
    {
        var log = new PostgresEventLog(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres }).Build(),
            Options.Create(new ClusterOptions { ServiceId = serviceId }));
        await using var early = await BeginAsync();
        await using var late = await BeginAsync();
        // The early transaction takes its id first; the late one then inserts first, so it holds the smaller position.
        await ExecuteAsync(early, "SELECT pg_current_xact_id()");
        await AppendAsync(late, "late");
        await AppendAsync(early, "early");
        await ExecuteAsync(early, "COMMIT");

        // A write that stays open for a while (a stalled client, a partition) while the reader goes on.
        var first = await Poll.Until(async () => (await log.ReadAfter(LogPlace.Start, 10, [], CancellationToken.None)).Events, e => e.Count > 0, TimeSpan.FromSeconds(30));
        await ExecuteAsync(late, "COMMIT");
        var next = await Poll.Until(async () => (await log.ReadAfter(LogPlace.Of(first[^1]), 10, [], CancellationToken.None)).Events, e => e.Count > 0, TimeSpan.FromSeconds(30));

        Assert.Equal(["early"], first.Select(e => e.EntityId));
        Assert.Equal(["late"], next.Select(e => e.EntityId));
        Assert.True(next[0].Position < first[0].Position, "the late event holds the smaller position, or the test proved nothing");
        Assert.Equal(0, await log.CountAfter(LogPlace.Of(next[0]), CancellationToken.None));
        Assert.Equal(LogPlace.Of(next[0]), await log.Head(CancellationToken.None));
        Assert.Equal("late", (await log.Find(next[0].Position, CancellationToken.None))?.EntityId);
    }

    private static async Task<NpgsqlConnection> BeginAsync()
    {
        var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "BEGIN");
        return connection;
    }

    private Task AppendAsync(NpgsqlConnection connection, string entityId) =>
        ExecuteAsync(connection, $$"""
            INSERT INTO orderactors_events (service_id, entity_type, entity_id, sequence, type, occurred_at, actor, data)
            VALUES ('{{serviceId}}', 'test', '{{entityId}}', 1, 'test.happened', now(), 'system', '{}')
            """);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
