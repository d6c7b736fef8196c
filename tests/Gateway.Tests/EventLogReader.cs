using System.Text.Json.Nodes;
using Npgsql;

namespace OrderActors.Gateway.Tests;

/// <summary>One entity's events as the log on PostgreSQL holds them, in log order.</summary>
public static class EventLogReader
{
    public sealed record Event(long Sequence, string Type, string Actor, JsonNode Data);

    public static async Task<List<Event>> Logged(string serviceId, string type, string id)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT sequence, type, actor, data::text FROM orderactors_events WHERE service_id = @service AND entity_type = @type AND entity_id = @key ORDER BY position",
            connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("type", type);
        command.Parameters.AddWithValue("key", id);
        var events = new List<Event>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), JsonNode.Parse(reader.GetString(3))!));
        }

        return events;
    }
}
