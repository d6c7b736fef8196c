using System.Data;
using System.Text.Json;
using Npgsql;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using OrderActors.Silo.Hosting;

namespace OrderActors.Silo.Verification;

/// <summary>Every stored grain state and reminder of one service, read in one snapshot straight from PostgreSQL.</summary>
public sealed record StoredState(
    List<ProductState> Products,
    List<OrderState> Orders,
    List<CartState> Carts,
    HashSet<(string GrainId, string Name)> Reminders)
{
    public static async Task<StoredState> LoadAsync(string connectionString, string serviceId, CancellationToken cancellationToken)
    {
        var stored = new StoredState([], [], [], []);
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

        await using var states = new NpgsqlCommand(
            "SELECT GrainTypeString, PayloadBinary FROM OrleansStorage WHERE ServiceId = @ServiceId AND PayloadBinary IS NOT NULL", connection, transaction);
        states.Parameters.AddWithValue("ServiceId", serviceId);
        await using var rows = await states.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var payload = (byte[])rows[1];
            switch (rows.GetString(0))
            {
                case "product":
                    stored.Products.Add(Read<ProductState>(payload));
                    break;
                case "order":
                    stored.Orders.Add(Read<OrderState>(payload));
                    break;
                case "cart":
                    stored.Carts.Add(Read<CartState>(payload));
                    break;
            }
        }

        return stored;
    }

    private static T Read<T>(byte[] payload) => JsonSerializer.Deserialize<T>(payload, StateJsonSerializer.Options)!;
}
