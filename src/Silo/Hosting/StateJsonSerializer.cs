using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Stores grain state as compact System.Text.Json: readable with any PostgreSQL JSON tool, free of CLR type names
/// (so a namespace rename never breaks stored data), and enums written by name so reordering them is safe.
/// </summary>
public sealed class StateJsonSerializer : IGrainStorageSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public BinaryData Serialize<T>(T? input) => BinaryData.FromObjectAsJson(input, Options);

    public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(Options)!;
}
