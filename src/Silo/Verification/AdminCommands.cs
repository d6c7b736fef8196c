using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OrderActors.Silo.ReadModel;
using Orleans.Configuration;

namespace OrderActors.Silo.Verification;

/// <summary>
/// One-shot commands of the silo binary, against the configured database and service (<c>Orleans__ServiceId</c>):
/// <c>verify</c> runs the consistency checker; <c>rebuild-read-model</c> restores listings from grain state.
/// </summary>
public static class AdminCommands
{
    public static bool Handles(string[] args) => args is ["verify" or "rebuild-read-model", ..];

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

        if (args[0] == "rebuild-read-model")
        {
            var readModel = new PostgresReadModel(configuration, Options.Create(new ClusterOptions { ServiceId = serviceId }), NullLogger<PostgresReadModel>.Instance);
            Console.WriteLine($"rebuild-read-model: {await readModel.RebuildAsync(CancellationToken.None)} summaries written for service '{serviceId}'");
            return 0;
        }

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
