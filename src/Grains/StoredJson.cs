using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderActors.Grains;

/// <summary>
/// How everything we store as JSON is written — grain state and event data alike: web names, and enums by name so
/// reordering them never changes stored meaning. One definition, because the event log's readers parse what the
/// state writer wrote.
/// </summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };
}
