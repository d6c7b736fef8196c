using System.Globalization;
using ScottPlot;

namespace OrderActors.Bench;

/// <summary>The figures of one run: printed as a table, written as JSON and drawn as a PNG chart of the ratios.</summary>
public sealed class Report
{
    public sealed record Figure(
        string Id, string Name, string Unit, Measurement Actors, Measurement Baseline, double Ratio, double? Target, bool? Met, string Notes)
    {
        /// <summary>The ratio of each round, when both sides were measured in turns (BENCH_ROUNDS).</summary>
        public IReadOnlyList<double>? RoundRatios =>
            Actors.RoundsPerSecond is { } ours && Baseline.RoundsPerSecond is { } theirs && ours.Count == theirs.Count
                ? [.. ours.Zip(theirs, (a, b) => Math.Round(b > 0 ? a / b : double.NaN, 3))]
                : null;
    }

    public sealed record HotProductCheck(long Reservations, long StorageWrites, int StoredReservations, long Oversold, long LockSold, long LockOversold);

    public sealed record FlashSaleCheck(
        long Orders, long FailedOrders, double StorageWritesPerOrder, double ReminderWritesPerOrder, long Oversold, long LockLiteOversold, long LockOversold,
        IReadOnlyDictionary<string, double> StorageWritesPerOrderByGrain);

    /// <summary>
    /// FRESH: a gateway started while the load runs on the first one, timed from its process start to ready and to
    /// steady throughput (the warm-up's rule, from its first request), with its share of all answers in its first
    /// <see cref="FirstSeconds"/> s and the first gateway's rate beside its steady one; and a silo started under that load.
    /// Failed requests: of both gateways' loads, throughout.
    /// </summary>
    public sealed record FreshProcessCheck(
        WarmUpResult RunningGatewayWarmUp,
        double GatewayStartToReadySeconds,
        double GatewayStartToSteadySeconds,
        WarmUpResult GatewayWindows,
        double GatewaySteadyPerSecond,
        double RunningGatewayPerSecond,
        double GatewayShareOfFirstSeconds,
        double SiloStartToReadySeconds,
        long FailedRequests)
    {
        public const int FirstSeconds = 5;
    }

    public string RunId { get; private set; } = "";

    public DateTimeOffset Started { get; private set; }

    public DateTimeOffset Finished { get; private set; }

    public Dictionary<string, string> Machine { get; } = [];

    public Dictionary<string, object> Settings { get; } = [];

    public List<Figure> Figures { get; } = [];

    public List<double> StartToReadySeconds { get; } = [];

    public double MemoryIdleMiB { get; set; }

    public double MemoryCartsMiB { get; set; }

    public int CartsActivated { get; set; }

    public double CartsSeconds { get; set; }

    public HotProductCheck? HotProduct { get; set; }

    public FlashSaleCheck? FlashSale { get; set; }

    public FreshProcessCheck? Fresh { get; set; }

    public void Begin(string runId, BenchSettings settings)
    {
        RunId = runId;
        Started = DateTimeOffset.UtcNow;
        Machine["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        Machine["cpu"] = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        Machine["memory"] = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        Machine["loadAverageAtStart"] = File.ReadAllText("/proc/loadavg").Trim();
        Settings["seconds"] = settings.Seconds;
        Settings["rounds"] = settings.Rounds;
        Settings["warmUp"] = settings.WarmUp;
        Settings["steadyRule"] = settings.Steady;
        Settings["scenarios"] = settings.Scenarios;
        Settings["concurrency"] = settings.Concurrency;
        Settings["carts"] = settings.Carts;
        Settings["bearerToken"] = settings.Token is not null;
        Settings["gatewayEnvironment"] = settings.GatewayEnvironment;
        Settings["build"] = Repository.Build;
    }

    public void End()
    {
        Finished = DateTimeOffset.UtcNow;
        Machine["loadAverageAtEnd"] = File.ReadAllText("/proc/loadavg").Trim();
    }

    public void Add(string id, string name, string unit, Measurement actors, Measurement baseline, double? target, string notes)
    {
        var ratio = baseline.PerSecond > 0 ? actors.PerSecond / baseline.PerSecond : double.NaN;
        var figure = new Figure(id, name, unit, actors, baseline, Math.Round(ratio, 3), target, target is { } t ? ratio >= t : null, notes);
        Figures.Add(figure);
        Console.WriteLine($"bench: {id} {actors.PerSecond:0} ÷ {baseline.PerSecond:0} {unit} = {ratio:0.00}{Rounds(figure)}  ({notes})");
        Console.WriteLine($"bench: {id} CPU µs per operation: {Cpu(actors)} ÷ {Cpu(baseline)}");
        Console.WriteLine($"bench: {id} warm-up: {WarmUp(actors)} ÷ {WarmUp(baseline)}");
    }

    public Task WriteAsync(string directory) => ReportFiles.WriteAsync(this, Table(), directory, "results.json", "ratios.png", Chart);

    /// <summary>The figures as a Markdown table, ready to paste into docs/benchmarks.md.</summary>
    public string Table()
    {
        var lines = new List<string>
        {
            "| figure | OrderActors | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|",
        };
        foreach (var f in Figures)
        {
            lines.Add($"| {f.Id} {f.Name} | {Side(f.Actors, f.Unit)} | {Side(f.Baseline, f.Unit)} | **{f.Ratio:0.00}**{Rounds(f)} | " +
                $"{(f.Target is { } t ? "≥ " + t.ToString(CultureInfo.InvariantCulture) : "—")} | {(f.Met is { } m ? (m ? "yes" : "no") : "—")} |");
        }

        var ready = string.Join(", ", StartToReadySeconds.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture) + " s"));
        lines.Add($"| silo start to ready | {ready} | | | < 5 s | {(StartToReadySeconds.All(s => s < 5) ? "yes" : "no")} |");
        if (Fresh is { } fresh)
        {
            lines.Add($"| fresh gateway under load: start to ready | {fresh.GatewayStartToReadySeconds:0.00} s | | | | |");
            var windows = fresh.GatewayWindows;
            lines.Add($"| fresh gateway under load: start to steady | {fresh.GatewayStartToSteadySeconds:0.0} s " +
                $"({windows.Windows} windows of its own load{(windows.HitCap ? ", hit the cap" : "")}), " +
                $"then {fresh.GatewaySteadyPerSecond:0} req/s beside the running gateway's {fresh.RunningGatewayPerSecond:0} | | | | |");
            lines.Add($"| fresh gateway: its share of the answers in its first {FreshProcessCheck.FirstSeconds} s | " +
                $"{fresh.GatewayShareOfFirstSeconds * 100:0} % (50 % = an equal share) | | | | |");
            lines.Add($"| fresh silo under load: start to ready | {fresh.SiloStartToReadySeconds:0.00} s | | | < 5 s | " +
                $"{(fresh.SiloStartToReadySeconds < 5 ? "yes" : "no")} |");
            lines.Add($"| FRESH requests failed, both gateways, throughout | {fresh.FailedRequests} | | | | |");
        }

        lines.Add($"| silo memory idle | {MemoryIdleMiB:0} MiB | | | | |");
        if (CartsActivated > 0)
        {
            lines.Add($"| silo memory, {CartsActivated:N0} active carts | {MemoryCartsMiB:0} MiB | | | | |");
        }

        if (Figures.Count == 0)
        {
            return string.Join('\n', lines);
        }

        lines.Add("");
        lines.Add("| CPU µs per operation | total | load generator | gateway | silo | hello-world | rest (PostgreSQL, kernel) |");
        lines.Add("|---|---|---|---|---|---|---|");
        foreach (var (f, side, m) in Figures.SelectMany(f => new[] { (f, "OrderActors", f.Actors), (f, "baseline", f.Baseline) }))
        {
            lines.Add($"| {f.Id} {side} | {CpuMeter.Cells(m.CpuMicroseconds, "total", "load", "gateway", "silo", "hello", "rest")} |");
        }

        lines.Add("");
        lines.Add("| warm-up before measuring | OrderActors | baseline |");
        lines.Add("|---|---|---|");
        foreach (var f in Figures)
        {
            lines.Add($"| {f.Id} | {WarmUp(f.Actors)} | {WarmUp(f.Baseline)} |");
        }

        return string.Join('\n', lines);
    }

    /// <summary>The rounds' ratios after the figure's, when it was measured in turns: " (rounds 0.58, 0.61, 0.60)".</summary>
    private static string Rounds(Figure f) => f.RoundRatios is { Count: > 1 } rounds
        ? $" (rounds {string.Join(", ", rounds.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})"
        : "";

    private static string WarmUp(Measurement m) => m.WarmUp?.ToString() ?? "none";

    private static string Cpu(Measurement m) => m.CpuMicroseconds is { } cpu
        ? string.Join(", ", cpu.Select(c => $"{c.Key} {c.Value:0}"))
        : "not measured";

    private static string Side(Measurement m, string unit) =>
        $"{m.PerSecond:0} {unit}, p50 {m.P50Ms:0.0} ms, p99 {m.P99Ms:0.0} ms{(m.Errors > 0 ? $", {m.Errors} errors" : "")}";

    private void Chart(string path)
    {
        var plot = new Plot();
        var bars = Figures.Select((f, i) => new Bar
        {
            Position = i,
            Value = double.IsNaN(f.Ratio) ? 0 : f.Ratio,
            Label = f.Ratio.ToString("0.00", CultureInfo.InvariantCulture),
            FillColor = f.Met switch { true => Colors.SeaGreen, false => Colors.IndianRed, _ => Colors.SteelBlue },
        }).ToArray();
        plot.Add.Bars(bars);
        foreach (var (f, i) in Figures.Select((f, i) => (f, i)))
        {
            if (f.Target is { } target)
            {
                var line = plot.Add.Line(i - 0.45, target, i + 0.45, target);
                line.LineWidth = 3;
                line.LineColor = Colors.Black;
                line.LinePattern = LinePattern.Dashed;
            }
        }

        plot.Axes.Bottom.SetTicks([.. Figures.Select((_, i) => (double)i)], [.. Figures.Select(f => f.Id)]);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"OrderActors ÷ baseline, one run ({Machine["cores"]} cores); dashed: target");
        plot.YLabel("ratio");
        plot.SavePng(path, 800, 450);
    }
}
