using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace OrderActors.Bench;

/// <summary>One side of a ratio: operations per second, latency percentiles, how many succeeded and how many failed.</summary>
public sealed record Measurement(double PerSecond, double P50Ms, double P99Ms, long Count, long Errors)
{
    /// <summary>CPU microseconds per operation by role over the measured window (see <see cref="CpuMeter"/>).</summary>
    public IReadOnlyDictionary<string, double>? CpuMicroseconds { get; init; }

    /// <summary>The warm-up this side took before it was measured; null without one (BENCH_WARMUP=0).</summary>
    public WarmUpResult? WarmUp { get; init; }

    /// <summary>Each measured round's throughput, in order, when the side was measured in rounds (BENCH_ROUNDS).</summary>
    public IReadOnlyList<double>? RoundsPerSecond { get; init; }

    /// <summary>
    /// Rounds of one side as one measurement: operations and errors added up over the rounds' whole time, CPU per
    /// operation weighted by each round's operations, p50 the rounds' median p50 and p99 their highest p99 (a tool
    /// reports percentiles, not the latencies they come from).
    /// </summary>
    public static Measurement Combine(IReadOnlyList<Measurement> rounds)
    {
        if (rounds.Count == 1)
        {
            return rounds[0];
        }

        var count = rounds.Sum(round => round.Count);
        var seconds = rounds.Sum(round => round.PerSecond > 0 ? round.Count / round.PerSecond : 0);
        var p50s = rounds.Select(round => round.P50Ms).Order().ToList();
        var cpu = rounds.All(round => round.CpuMicroseconds is not null)
            ? new SortedDictionary<string, double>(rounds
                .SelectMany(round => round.CpuMicroseconds!.Select(role => (role.Key, Weighted: role.Value * round.Count)))
                .GroupBy(role => role.Key)
                .ToDictionary(role => role.Key, role => Math.Round(role.Sum(r => r.Weighted) / Math.Max(1, count), 1)), StringComparer.Ordinal)
            : null;
        return new Measurement(seconds > 0 ? count / seconds : 0, p50s[p50s.Count / 2], rounds.Max(round => round.P99Ms), count,
            rounds.Sum(round => round.Errors))
        {
            CpuMicroseconds = cpu,
            RoundsPerSecond = [.. rounds.Select(round => round.PerSecond)],
        };
    }
}

/// <summary>Runs wrk (HTTP load from its own process) and reads its summary.</summary>
public static partial class Wrk
{
    public static async Task<Measurement> RunAsync(
        Uri target, int connections, int seconds, string? token, string? luaScript = null, string? header = null)
    {
        List<string> arguments = ["-t", "2", "-c", connections.ToString(), "-d", $"{seconds}s", "--latency", "--timeout", "10s"];
        if (token is not null)
        {
            arguments.AddRange(["-H", $"Authorization: Bearer {token}"]);
        }

        if (header is not null)
        {
            arguments.AddRange(["-H", header]);
        }

        if (luaScript is not null)
        {
            arguments.AddRange(["-s", luaScript]);
        }

        arguments.Add(target.ToString());
        var output = await Tool.RunAsync("wrk", arguments);
        var errors = Long(NonSuccess(), output) + SocketErrors().Matches(output).Sum(m => long.Parse(m.Groups[1].Value));
        var count = long.Parse(Requests().Match(output).Groups[1].Value);
        var perSecond = double.Parse(RequestsPerSecond().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        // Only answered requests count: a fast error must never raise a throughput figure.
        var succeededPerSecond = count == 0 ? 0 : perSecond * Math.Max(0, count - errors) / count;
        return new Measurement(succeededPerSecond, Latency(output, "50%"), Latency(output, "99%"), count, errors);
    }

    private static double Latency(string output, string percentile)
    {
        var match = Regex.Match(output, $@"^\s*{percentile}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    private static long Long(Regex regex, string output) =>
        regex.Match(output) is { Success: true } match ? long.Parse(match.Groups[1].Value) : 0;

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex SocketErrors();
}

/// <summary>Runs pgbench with a custom script against the bench database and reads its summary and per-transaction log.</summary>
public static partial class PgBench
{
    public const string Binary = "/usr/lib/postgresql/15/bin/pgbench";

    public static async Task<Measurement> RunAsync(string connectionString, string script, int clients, int seconds, params string[] defines)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString);
        var work = Directory.CreateTempSubdirectory("orderactors-pgbench-");
        try
        {
            var file = Path.Combine(work.FullName, "script.sql");
            await File.WriteAllTextAsync(file, script);
            List<string> arguments =
            [
                "-h", database.Host!, "-p", database.Port.ToString(), "-U", database.Username ?? "postgres",
                "-n", "-M", "prepared", "-c", clients.ToString(), "-j", "2", "-T", seconds.ToString(),
                "-l", "--log-prefix", Path.Combine(work.FullName, "tx"), "-f", file,
            ];
            foreach (var define in defines)
            {
                arguments.AddRange(["-D", define]);
            }

            arguments.Add(database.Database!);
            var output = await Tool.RunAsync(Binary, arguments);
            // Each line of the transaction log: client, transaction number, latency in µs, script, epoch s, epoch µs.
            var latencies = Directory.EnumerateFiles(work.FullName, "tx.*")
                .SelectMany(File.ReadLines)
                .Select(line => long.Parse(line.Split(' ')[2]) / 1000.0)
                .Order()
                .ToArray();
            var failed = FailedTransactions().Match(output) is { Success: true } match ? long.Parse(match.Groups[1].Value) : 0;
            return new Measurement(
                double.Parse(Tps().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.99),
                long.Parse(Processed().Match(output).Groups[1].Value),
                failed);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public static double Percentile(IReadOnlyList<double> sorted, double fraction) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(fraction * sorted.Count))];

    [GeneratedRegex(@"tps = ([\d.]+) \(without initial connection time\)")]
    private static partial Regex Tps();

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex Processed();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedTransactions();
}

/// <summary>Runs an external tool to completion and returns its standard output; fails with its output if it fails.</summary>
public static class Tool
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }

        return await output + await error;
    }
}
