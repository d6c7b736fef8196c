namespace OrderActors.Bench;

/// <summary>
/// The R1 baseline: Kestrel answering a JSON body shaped like a product view, with no middleware at all,
/// so the ratio shows what routing, the Orleans call and the gateway's middleware cost. With <c>cached</c> first in its
/// arguments, the same body served through ASP.NET Core output caching (memory store) and nothing else: the ceiling of
/// a cache hit through that middleware on the machine of the day.
/// </summary>
public static class HelloServer
{
    private sealed record Product(
        string Sku, string Name, string Description, decimal Price, string Currency,
        int OnHand, int Reserved, int Available, bool Active, int Version);

    private static readonly Product Body = new("BENCH-READ", "Benchmark product", "Read by R1", 49.90m, "USD", 1000, 0, 1000, true, 1);

    public const string Cached = "cached";

    public static Task RunAsync(string[] args)
    {
        var cached = args is [Cached, ..];
        var builder = WebApplication.CreateSlimBuilder(cached ? args[1..] : args);
        builder.Logging.ClearProviders();
        if (cached)
        {
            builder.Services.AddOutputCache();
        }

        var app = builder.Build();
        if (cached)
        {
            app.UseOutputCache();
        }

        var hello = app.MapGet("/", () => Body);
        if (cached)
        {
            hello.CacheOutput(policy => policy.Expire(TimeSpan.FromHours(1)));
        }

        return app.RunAsync();
    }
}
