namespace OrderActors.Gateway.Hosting;

public static class ConfigurationLists
{
    /// <summary>A comma-separated setting as its items, e.g. <c>Cors__AllowedOrigins=https://a.example,https://b.example</c>.</summary>
    public static string[] GetList(this IConfiguration configuration, string key) =>
        (configuration[key] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
