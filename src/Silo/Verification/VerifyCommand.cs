namespace OrderActors.Silo.Verification;

/// <summary><c>OrderActors.Silo verify</c>: runs the consistency checker against the configured database and service.</summary>
public static class VerifyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Skip(1).ToArray())
            .Build();
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is required (environment: ConnectionStrings__Postgres).");
        var serviceId = configuration["Orleans:ServiceId"] ?? "orderactors";

        Console.WriteLine($"verify: checking service '{serviceId}'");
        var violations = await ConsistencyChecker.CheckAsync(connectionString, serviceId, CancellationToken.None);
        foreach (var violation in violations)
        {
            Console.WriteLine($"violation: {violation}");
        }

        Console.WriteLine(violations.Count == 0 ? "verify: consistent" : $"verify: {violations.Count} violation(s)");
        return violations.Count == 0 ? 0 : 1;
    }
}
