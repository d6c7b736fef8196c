using OrderActors.Grains;
using Orleans.Storage;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Stores grain state as compact System.Text.Json: readable with any PostgreSQL JSON tool, free of CLR type names
/// (so a namespace rename never breaks stored data), and enums written by name so reordering them is safe.
/// </summary>
public sealed class StateJsonSerializer : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => BinaryData.FromObjectAsJson(input, StoredJson.Options);

    public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(StoredJson.Options)!;
}
