namespace OrderActors.Bench;

/// <summary>
/// The R1 baseline: Kestrel answering a JSON body shaped like a product view, with no middleware at all,
/// so the ratio shows what routing, the Orleans call and the gateway's middleware cost.
/// </summary>
public static class HelloServer
{
    private sealed record Product(
        string Sku, string Name, string Description, decimal Price, string Currency,
        int OnHand, int Reserved, int Available, bool Active, int Version);

    private static readonly Product Body = new("BENCH-READ", "Benchmark product", "Read by R1", 49.90m, "USD", 1000, 0, 1000, true, 1);

    public static Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Body);
        return app.RunAsync();
    }
}
