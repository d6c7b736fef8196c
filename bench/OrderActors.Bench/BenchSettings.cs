using System.Globalization;
using Npgsql;

namespace OrderActors.Bench;

/// <summary>What one benchmark run uses, read from the environment (see bench/run.sh) and the command line.</summary>
public sealed record BenchSettings(
    string Postgres,
    string Redis,
    int Seconds,
    int Rounds,
    bool WarmUp,
    SteadyRule Steady,
    IReadOnlyList<string> Scenarios,
    int Concurrency,
    int Carts,
    string? Token,
    IReadOnlyDictionary<string, string> GatewayEnvironment,
    string OutputDirectory)
{
    /// <summary>Every scenario, in the order a run takes them.</summary>
    public static readonly IReadOnlyList<string> AllScenarios = ["R1", "R3", "R2", "R4", "R5", "FRESH", "SOAK"];

    /// <summary>A run without BENCH_SCENARIOS: all but SOAK, which takes 20 minutes and more and runs only when named.</summary>
    public static readonly IReadOnlyList<string> DefaultScenarios = [.. AllScenarios.Where(scenario => scenario != "SOAK")];

    /// <summary>
    /// Environment: ConnectionStrings__Postgres and ConnectionStrings__Redis (required), BENCH_DATABASE
    /// (default orderactors_bench, created when missing), BENCH_SECONDS (10), BENCH_ROUNDS (3: R1's and R2's sides, once
    /// warm, are measured in this many rounds of BENCH_SECONDS each, taking turns), BENCH_WARMUP (1: each side of each ratio
    /// first runs its load until steady, see <see cref="OrderActors.Bench.WarmUp"/>; 0: no warm-up), BENCH_WINDOW (5 s),
    /// BENCH_STABLE_PERCENT (5), BENCH_JIT_PERCENT (2: the nodes' background JIT, percent of one core) and BENCH_WARMUP_CAP (90 s), the steady rule, BENCH_SCENARIOS (comma list, default all but SOAK; SOAK's own settings: <see cref="SoakSettings"/>), BENCH_CONCURRENCY (32),
    /// BENCH_CARTS (100000), BENCH_TOKEN (sent as a bearer token on every HTTP request), BENCH_OUTPUT
    /// (default docs/benchmarks). Arguments: <c>--gateway-env KEY=VALUE</c>, repeatable, set only on the gateway.
    /// </summary>
    public static BenchSettings FromEnvironment(string[] args)
    {
        var postgres = new NpgsqlConnectionStringBuilder(Required("ConnectionStrings__Postgres"))
        {
            Database = Optional("BENCH_DATABASE") ?? "orderactors_bench",
        };
        var gateway = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--gateway-env" && i + 1 < args.Length && args[i + 1].Split('=', 2) is [var key, var value])
            {
                gateway[key] = value;
                i++;
            }
            else
            {
                throw new ArgumentException($"Unknown argument '{args[i]}'; expected --gateway-env KEY=VALUE.");
            }
        }

        return new BenchSettings(
            postgres.ConnectionString,
            Required("ConnectionStrings__Redis"),
            Number("BENCH_SECONDS", 10),
            Number("BENCH_ROUNDS", 3),
            Number("BENCH_WARMUP", 1, minimum: 0) switch
            {
                0 => false,
                1 => true,
                // Before the steady rule BENCH_WARMUP was a number of seconds; silently reading 10 as "on" would hide that.
                _ => throw new ArgumentException("BENCH_WARMUP: expected 1 (warm up until steady) or 0 (none); " +
                    "the warm-up's length is now set by BENCH_WINDOW, BENCH_STABLE_PERCENT and BENCH_WARMUP_CAP."),
            },
            ChosenSteadyRule(),
            ChosenScenarios(),
            Number("BENCH_CONCURRENCY", 32),
            Number("BENCH_CARTS", 100_000),
            Optional("BENCH_TOKEN"),
            gateway,
            Optional("BENCH_OUTPUT") ?? Path.Combine(Repository.Root, "docs", "benchmarks"));
    }

    public bool Runs(string scenario) => Scenarios.Contains(scenario);

    private static string[] ChosenScenarios()
    {
        if (Optional("BENCH_SCENARIOS") is not { } list)
        {
            return [.. DefaultScenarios];
        }

        var chosen = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(scenario => scenario.ToUpperInvariant()).ToHashSet();
        if (chosen.Count == 0 || chosen.Except(AllScenarios).Any())
        {
            throw new ArgumentException($"BENCH_SCENARIOS='{list}': expected a comma list of {string.Join(", ", AllScenarios.Order())}.");
        }

        return [.. AllScenarios.Where(chosen.Contains)];
    }

    private static string? Optional(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    private static string Required(string name) =>
        Optional(name) ?? throw new InvalidOperationException($"{name} is required.");

    private static SteadyRule ChosenSteadyRule()
    {
        var rule = new SteadyRule(Number("BENCH_WINDOW", 5), Percent("BENCH_STABLE_PERCENT", 5), Number("BENCH_WARMUP_CAP", 90),
            Percent("BENCH_JIT_PERCENT", 2));
        return rule.CapSeconds >= 2 * rule.WindowSeconds ? rule
            : throw new ArgumentException($"BENCH_WARMUP_CAP={rule.CapSeconds}: expected at least two windows of BENCH_WINDOW={rule.WindowSeconds} s, " +
                "or the rule could never see two windows to compare.");
    }

    private static double Percent(string name, double fallback) =>
        Optional(name) is not { } value ? fallback
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) && percent is > 0 and <= 100 ? percent
        : throw new ArgumentException($"{name}='{value}': expected a percentage above 0, at most 100.");

    private static int Number(string name, int fallback, int minimum = 1) =>
        Optional(name) is not { } value ? fallback
        : int.TryParse(value, out var number) && number >= minimum ? number
        : throw new ArgumentException($"{name}='{value}': expected a whole number, {minimum} or more.");
}

/// <summary>Where the built silo and gateway live: the same configuration as this bench build.</summary>
public static class Repository
{
    public const string Shipped = "shipped";

    public const string Plain = "plain";

    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>
    /// BENCH_BUILD: <c>shipped</c> (default) runs the silo and gateway as they ship, published by bench/run.sh for
    /// linux-x64 (self-contained, composite ReadyToRun: Directory.Build.props); <c>plain</c> runs what
    /// <c>dotnet build</c> left, as every run before 7 December did.
    /// </summary>
    public static string Build { get; } = Environment.GetEnvironmentVariable("BENCH_BUILD") switch
    {
        null or "" or Shipped => Shipped,
        Plain => Plain,
        var other => throw new ArgumentException($"BENCH_BUILD='{other}': expected {Shipped} or {Plain}."),
    };

    /// <summary>
    /// The command that runs src/<paramref name="project"/>'s process (Silo or Gateway) in the chosen build: shipped,
    /// from the folder scripts/publish-shipped.sh printed when bench/run.sh published it (<c>BENCH_SHIPPED_SILO</c>,
    /// <c>BENCH_SHIPPED_GATEWAY</c>), or plain, where the build leaves it.
    /// </summary>
    public static string[] Process(string project) => Build == Shipped
        ? [Path.Combine(ShippedFolder(project), $"OrderActors.{project}")]
        : ["dotnet", Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", $"OrderActors.{project}.dll")];

    private static string ShippedFolder(string project)
    {
        var name = $"BENCH_SHIPPED_{project.ToUpperInvariant()}";
        return Environment.GetEnvironmentVariable(name) is { Length: > 0 } folder
            ? folder
            : throw new InvalidOperationException($"{name} is not set: bench/run.sh publishes the shipped {project} and sets it (or BENCH_BUILD={Plain}).");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrderActors.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("OrderActors.sln not found above " + AppContext.BaseDirectory);
    }
}
