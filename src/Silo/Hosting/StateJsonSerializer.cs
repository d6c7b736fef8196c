using OrderActors.Grains;
using Orleans.Storage;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Stores grain state as compact System.Text.Json: readable with any PostgreSQL JSON tool, free of CLR type names
/// (so a namespace rename never breaks stored data), and enums written by name so reordering them is safe.
/// </summary>
public sealed class StateJsonSerializer : IGrainStorageSerializer
{
    /// <summary>The state a write in this async flow is storing, and the JSON it was made into in the grain's turn.</summary>
    private static readonly AsyncLocal<(object? State, BinaryData Json)?> taken = new();

    public BinaryData Serialize<T>(T? input) =>
        taken.Value is { } payload && ReferenceEquals(payload.State, input) ? payload.Json : ToJson(input);

    public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(StoredJson.Options)!;

    /// <summary>
    /// Serializes <paramref name="state"/> now, then runs <paramref name="write"/>: when its provider serializes that
    /// state, however much later, it gets this JSON rather than the state as it is by then.
    /// </summary>
    public static async Task WriteAsOfNow<T>(T state, Func<Task> write)
    {
        // Set inside this async method, the value flows into the write's continuations and never back to the caller.
        taken.Value = (state, ToJson(state));
        await write();
    }

    private static BinaryData ToJson<T>(T? input) => BinaryData.FromObjectAsJson(input, StoredJson.Options);
}
