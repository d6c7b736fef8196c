using System.Text.Json;

namespace OrderActors.Bench;

/// <summary>How a report leaves the run: its tables on the console, its figures as JSON and its chart as a PNG.</summary>
public static class ReportFiles
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Prints <paramref name="table"/>, writes <paramref name="report"/> to <paramref name="json"/> and the chart to <paramref name="png"/>, in <paramref name="directory"/>.</summary>
    public static async Task WriteAsync<T>(T report, string table, string directory, string json, string png, Action<string> chart)
    {
        Directory.CreateDirectory(directory);
        Console.WriteLine();
        Console.WriteLine(table);
        await File.WriteAllTextAsync(Path.Combine(directory, json), JsonSerializer.Serialize(report, Json) + "\n");
        chart(Path.Combine(directory, png));
        Console.WriteLine($"bench: wrote {Path.Combine(directory, json)} and {png}");
    }
}
