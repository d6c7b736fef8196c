using System.Globalization;
using ScottPlot;

namespace OrderActors.Bench;

/// <summary>
/// SOAK's figures: per rate, each route's latency and answers, what the database holds after the load (duplicate
/// orders, oversold units), each process's memory, the silo restart and the gate; printed as a table, written as
/// soak.json and drawn as soak.png (p50 and p99 per <see cref="SeriesSeconds"/> s by route group, one panel per rate).
/// </summary>
public sealed class SoakReport
{
    public const int SeriesSeconds = 5;
    public const double ReadP95LimitMs = 150;
    public const double AnsweredShareTarget = 0.9999;

    /// <summary>
    /// One route at one rate: operations due, answered (a status below 500, after retries), never sent (in-flight bound
    /// full), without an answer (transport error or timeout), 4xx and 5xx final answers, the answered ones' latency, and
    /// how many answers the gateway's response cache gave.
    /// </summary>
    public sealed record RouteFigures(
        string Route, long Due, long Answered, double AnsweredShare, long NotSent, long NoAnswer, long ClientErrors,
        long ServerErrors, long Retried, double P50Ms, double P95Ms, double P99Ms, IReadOnlyDictionary<string, long> Statuses,
        long CacheHits);

    /// <summary>A process's resident memory when the rate began and when it ended (null: not running then).</summary>
    public sealed record ProcessMemory(string Process, int Pid, double? StartMiB, double? EndMiB);

    /// <summary>
    /// The silo restarted mid-run (<see cref="SoakSettings"/>: stop-first or replace-first): when it got SIGTERM and how
    /// long it took to exit, when its replacement started and how long that took to be ready, the new process's name.
    /// </summary>
    public sealed record SiloRestart(
        string Order, string Silo, string Replacement, double StoppedAtSeconds, double StopSeconds, double ReplacementStartedAtSeconds,
        double ReadySeconds, double ReplacementReadyMiB, int ActiveSilosAfter);

    /// <summary>
    /// A silo's share of the client messages (every call from the gateway enters the cluster through one silo's gateway
    /// port) from the end of the restart to the end of the load.
    /// </summary>
    public sealed record ClientMessages(string Silo, double Messages, double Share);

    public static IReadOnlyList<ClientMessages> ClientMessagesBySilo(IReadOnlyDictionary<string, double> from, IReadOnlyDictionary<string, double> to)
    {
        var received = to.Select(silo => (silo.Key, Messages: silo.Value - from.GetValueOrDefault(silo.Key))).ToList();
        var total = received.Sum(silo => silo.Messages);
        return received.Select(silo => new ClientMessages(silo.Key, silo.Messages, total > 0 ? Math.Round(silo.Messages / total, 4) : 0)).ToList();
    }

    /// <summary>
    /// What PostgreSQL holds after the rate: the run's orders, checkout keys with more than one stored order (and keys the
    /// client saw answered with two order ids), and units held by orders or sold beyond a product's stock.
    /// </summary>
    public sealed record StoredChecks(
        long StoredOrders, long PaidOrders, long ClientPaid, long CheckoutKeysSent, long DuplicateOrders, long ClientDuplicates,
        long Oversold, IReadOnlyList<string> OversoldProducts, int DealsSoldOut, int Deals);

    /// <summary>Latency of one route group over one slice of the run (by when the operations were due).</summary>
    public sealed record SeriesPoint(string Group, double AtSeconds, long Count, double P50Ms, double P99Ms);

    public sealed record Gate(double ReadP95Ms, double AnsweredWithout5xxShare, bool NoDuplicates, bool NotOversold)
    {
        public bool ReadP95Met => ReadsFastEnough(ReadP95Ms);

        public bool AnsweredMet => AnsweredEnough(AnsweredWithout5xxShare);

        public bool Pass => ReadP95Met && AnsweredMet && NoDuplicates && NotOversold;
    }

    /// <summary>The CPU counters at one moment of the load (its start, the restart's SIGTERM, its end), by load time.</summary>
    public sealed record CpuMark(string Name, double AtSeconds, CpuMeter.Sample Cpu, Dictionary<(int, int), long> Jit);

    /// <summary>
    /// What the machine spent between two marks per answered operation (an answer in the window, pays and a new
    /// customer's first cart line each counted as one), by process role as in the scenarios' figures ("rest" is
    /// PostgreSQL, Redis and the kernel's threads), how busy the machine was, and the nodes' background JIT.
    /// </summary>
    public sealed record CpuWindow(
        string From, string To, double Seconds, long Answered, double AnsweredPerSecond, double CoresBusy,
        IReadOnlyDictionary<string, double> MicrosecondsPerAnswered, double JitPercentOfACore);

    /// <summary>
    /// The gate's two load figures for the operations due between two marks, so that a run's stretch with two silos up
    /// reads apart from its restart and the replacement's join (the duplicate and oversold checks are the whole run's).
    /// </summary>
    public sealed record GateWindow(string From, string To, double Seconds, long Due, double ReadP95Ms, double AnsweredWithout5xxShare)
    {
        public bool Met => ReadsFastEnough(ReadP95Ms) && AnsweredEnough(AnsweredWithout5xxShare);
    }

    public sealed record RateResult(
        int RequestsPerMinute, double Minutes, double DuePerSecond, double LoadSeconds, long Operations, long FiveHundredsSeen, long Retries,
        IReadOnlyList<RouteFigures> Routes, StoredChecks Checks, IReadOnlyList<ProcessMemory> Memory, SiloRestart? Restart,
        IReadOnlyList<ClientMessages> ClientMessagesAfterRestart, Gate Gate, IReadOnlyList<GateWindow> GateWindows, IReadOnlyList<SeriesPoint> Series, IReadOnlyList<CpuWindow> Cpu)
    {
        /// <summary>Storage writes of the load (its cart changes and reads' writes included) per order it stored, by grain type.</summary>
        public IReadOnlyDictionary<string, double> StorageWritesPerOrder { get; init; } = new Dictionary<string, double>();
    }

    public string RunId { get; init; } = "";

    /// <summary>Storage writes per order stored during the load, by grain type: every write of the run, not only the orders' own.</summary>
    public static string WritesPerOrder(IReadOnlyDictionary<string, double> byGrain) =>
        $"{byGrain.Values.Sum():0.00} storage writes per order stored ({ByGrain(byGrain)})";

    /// <summary>Writes per order by grain type, the most first, those with none left out: "product 4.63, cart 3.65".</summary>
    public static string ByGrain(IReadOnlyDictionary<string, double> byGrain) =>
        string.Join(", ", byGrain.Where(w => w.Value > 0).OrderByDescending(w => w.Value).Select(w => $"{w.Key} {w.Value:0.00}"));

    public DateTimeOffset Started { get; init; }

    public DateTimeOffset Finished { get; set; }

    public Dictionary<string, string> Machine { get; init; } = [];

    public Dictionary<string, object> Settings { get; init; } = [];

    /// <summary>The warm-up before the first rate: how long it took to become steady; null without one.</summary>
    public WarmUpResult? WarmUp { get; set; }

    public List<RateResult> Rates { get; } = [];

    /// <summary>The figures of one rate's load, from its samples.</summary>
    public static (IReadOnlyList<RouteFigures> Routes, Gate Gate, IReadOnlyList<SeriesPoint> Series) Summarize(
        IReadOnlyCollection<SoakSample> samples, StoredChecks checks)
    {
        var routes = Enum.GetValues<SoakRoute>().Select(route => Figures(route.ToString(), samples.Where(s => s.Route == route).ToArray())).ToList();
        routes.Add(Figures("all reads", [.. samples.Where(s => IsRead(s.Route))]));
        routes.Add(Figures("all", [.. samples]));
        var gate = new Gate(routes[^2].P95Ms, routes[^1].AnsweredShare, checks.DuplicateOrders == 0 && checks.ClientDuplicates == 0, checks.Oversold == 0);
        return (routes, gate, Series(samples));
    }

    /// <summary>One window between each pair of consecutive marks; an operation counts where it was due.</summary>
    public static IReadOnlyList<GateWindow> GateWindows(IReadOnlyCollection<SoakSample> samples, IReadOnlyList<CpuMark> marks) =>
        [.. marks.Zip(marks.Skip(1), (from, to) =>
        {
            var due = samples.Where(s => s.DueSeconds >= from.AtSeconds && s.DueSeconds < to.AtSeconds).ToArray();
            var reads = Figures("all reads", [.. due.Where(s => IsRead(s.Route))]);
            return new GateWindow(from.Name, to.Name, Math.Round(to.AtSeconds - from.AtSeconds, 1), due.Length, reads.P95Ms,
                Figures("all", due).AnsweredShare);
        })];

    /// <summary>One window between each pair of consecutive marks; an operation counts where its answer came.</summary>
    public static IReadOnlyList<CpuWindow> CpuWindows(IReadOnlyCollection<SoakSample> samples, IReadOnlyList<CpuMark> marks)
    {
        var answeredAt = samples.Where(s => s.Answered).Select(s => s.DueSeconds + s.Milliseconds / 1000.0).Order().ToArray();
        return [.. marks.Zip(marks.Skip(1), (from, to) =>
        {
            var seconds = Math.Max(to.AtSeconds - from.AtSeconds, 0.001);
            var answered = Count(answeredAt, to.AtSeconds) - Count(answeredAt, from.AtSeconds);
            return new CpuWindow(from.Name, to.Name, Math.Round(seconds, 1), answered, Math.Round(answered / seconds, 1),
                Math.Round(CpuMeter.CoresBusy(from.Cpu, to.Cpu, seconds), 2), CpuMeter.PerOperation(from.Cpu, to.Cpu, answered),
                Math.Round(CpuMeter.PercentOfACore(from.Jit, to.Jit, seconds), 1));
        })];

        // Answers before a moment, in the sorted answer times.
        static long Count(double[] sorted, double at)
        {
            var index = Array.BinarySearch(sorted, at);
            return index >= 0 ? index : ~index;
        }
    }

    /// <summary>The gate's reads: product and listing GETs together.</summary>
    private static bool IsRead(SoakRoute route) => route is SoakRoute.ProductGet or SoakRoute.ListingGet;

    private static bool ReadsFastEnough(double readP95Ms) => readP95Ms < ReadP95LimitMs;

    private static bool AnsweredEnough(double answeredShare) => answeredShare >= AnsweredShareTarget;

    private static RouteFigures Figures(string route, SoakSample[] samples)
    {
        var answered = samples.Where(s => s.Answered).Select(s => (double)s.Milliseconds).Order().ToArray();
        return new RouteFigures(
            route,
            samples.Length,
            answered.Length,
            samples.Length == 0 ? 1 : answered.Length / (double)samples.Length,
            samples.Count(s => s.Status == -1),
            samples.Count(s => s.Status == 0),
            samples.Count(s => s.Status is >= 400 and < 500),
            samples.Count(s => s.Status >= 500),
            samples.Count(s => s.Attempts > 1),
            Round(PgBench.Percentile(answered, 0.50)),
            Round(PgBench.Percentile(answered, 0.95)),
            Round(PgBench.Percentile(answered, 0.99)),
            samples.GroupBy(s => s.Status switch { -1 => "not sent", 0 => "no answer", _ => s.Status.ToString(CultureInfo.InvariantCulture) })
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (long)g.Count()),
            samples.Count(s => s.CacheHit));
    }

    /// <summary>Route groups of the chart: reads (product and listing), cart changes, checkout and pay.</summary>
    private static string Group(SoakRoute route) => route switch
    {
        _ when IsRead(route) => "reads",
        SoakRoute.CartPut => "cart",
        _ => "checkout + pay",
    };

    private static List<SeriesPoint> Series(IReadOnlyCollection<SoakSample> samples) =>
        [.. samples.Where(s => s.Answered)
            .GroupBy(s => (Group: Group(s.Route), Slice: (int)(s.DueSeconds / SeriesSeconds)))
            .OrderBy(g => g.Key.Group, StringComparer.Ordinal).ThenBy(g => g.Key.Slice)
            .Select(g =>
            {
                var sorted = g.Select(s => (double)s.Milliseconds).Order().ToArray();
                return new SeriesPoint(g.Key.Group, g.Key.Slice * SeriesSeconds, sorted.Length,
                    Round(PgBench.Percentile(sorted, 0.5)), Round(PgBench.Percentile(sorted, 0.99)));
            })];

    private static double Round(double value) => double.IsNaN(value) ? value : Math.Round(value, 1);

    public Task WriteAsync(string directory) => ReportFiles.WriteAsync(this, Table(), directory, "soak.json", "soak.png", Chart);

    /// <summary>The figures as Markdown tables, ready to paste into docs/benchmarks.md.</summary>
    public string Table()
    {
        var lines = new List<string>();
        foreach (var rate in Rates)
        {
            var gate = rate.Gate;
            lines.Add($"SOAK {rate.RequestsPerMinute:N0} requests/min ({rate.DuePerSecond:0.#}/s) for {rate.Minutes.ToString(CultureInfo.InvariantCulture)} min: " +
                $"**{(gate.Pass ? "PASS" : "FAIL")}**");
            lines.Add("");
            lines.Add("| route | due | answered | share | not sent | no answer | 4xx | 5xx | retried | from cache | p50 ms | p95 ms | p99 ms |");
            lines.Add("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var r in rate.Routes)
            {
                lines.Add($"| {r.Route} | {r.Due} | {r.Answered} | {r.AnsweredShare * 100:0.000} % | {r.NotSent} | {r.NoAnswer} | {r.ClientErrors} | " +
                    $"{r.ServerErrors} | {r.Retried} | {(r.Answered == 0 ? 0 : r.CacheHits * 100.0 / r.Answered):0.0} % | {r.P50Ms:0.0} | {r.P95Ms:0.0} | {r.P99Ms:0.0} |");
            }

            var unusual = rate.Routes.Where(r => r.ClientErrors + r.ServerErrors + r.NotSent + r.NoAnswer > 0 && !r.Route.StartsWith("all", StringComparison.Ordinal)).ToList();
            if (unusual.Count > 0)
            {
                lines.Add("");
                lines.AddRange(unusual.Select(r => $"{r.Route} answers: {string.Join(", ", r.Statuses.Select(s => $"{s.Key} × {s.Value}"))}  "));
            }

            lines.Add("");
            lines.Add("| gate | figure | target | met |");
            lines.Add("|---|---|---|---|");
            lines.Add($"| reads p95 | {gate.ReadP95Ms:0.0} ms | < {ReadP95LimitMs:0} ms | {YesNo(gate.ReadP95Met)} |");
            lines.Add($"| answered without 5xx | {gate.AnsweredWithout5xxShare * 100:0.0000} % ({rate.FiveHundredsSeen} 5xx seen, retries included) | " +
                $"≥ {AnsweredShareTarget * 100:0.00} % | {YesNo(gate.AnsweredMet)} |");
            var checks = rate.Checks;
            lines.Add($"| duplicate orders | {checks.DuplicateOrders} stored, {checks.ClientDuplicates} seen by the client " +
                $"({checks.StoredOrders} orders stored for {checks.CheckoutKeysSent} checkout keys) | 0 | {YesNo(gate.NoDuplicates)} |");
            lines.Add($"| oversold units | {checks.Oversold}{(checks.OversoldProducts.Count > 0 ? " (" + string.Join(", ", checks.OversoldProducts) + ")" : "")}; " +
                $"{checks.DealsSoldOut} of {checks.Deals} deals sold out, {checks.PaidOrders} orders paid ({checks.ClientPaid} pay answers 200) | 0 | {YesNo(gate.NotOversold)} |");
            lines.Add($"| storage writes | {WritesPerOrder(rate.StorageWritesPerOrder)} | | |");
            foreach (var w in rate.GateWindows)
            {
                lines.Add($"| due {w.From} → {w.To} ({w.Seconds:0} s, {w.Due} operations) | reads p95 {w.ReadP95Ms:0.0} ms, " +
                    $"answered without 5xx {w.AnsweredWithout5xxShare * 100:0.0000} % | " +
                    $"< {ReadP95LimitMs:0} ms, ≥ {AnsweredShareTarget * 100:0.00} % | {YesNo(w.Met)} |");
            }

            if (rate.Restart is { } restart)
            {
                lines.Add($"| silo restart ({restart.Order}) | {restart.Silo} SIGTERM at {restart.StoppedAtSeconds:0} s, exited in {restart.StopSeconds:0.0} s; " +
                    $"{restart.Replacement} started at {restart.ReplacementStartedAtSeconds:0} s, ready {restart.ReadySeconds:0.0} s after its start " +
                    $"({restart.ReplacementReadyMiB:0} MiB); {restart.ActiveSilosAfter} silos active | | |");
            }

            if (rate.ClientMessagesAfterRestart.Count > 0)
            {
                lines.Add($"| client messages per silo, from the restart's end to the load's | " +
                    $"{string.Join(", ", rate.ClientMessagesAfterRestart.Select(silo => $"{silo.Silo} {silo.Share * 100:0.0} % ({silo.Messages:0})"))} | | |");
            }

            foreach (var m in rate.Memory)
            {
                lines.Add($"| memory {m.Process} (pid {m.Pid}) | {MiB(m.StartMiB)} at start → {MiB(m.EndMiB)} at end | | |");
            }

            lines.Add("");
            lines.Add("| CPU, from → to | answered/s | cores busy | µs per answered operation: total | load | gateway | silo | rest | nodes' JIT, % of a core |");
            lines.Add("|---|---|---|---|---|---|---|---|---|");
            foreach (var w in rate.Cpu)
            {
                lines.Add($"| {w.From} → {w.To} ({w.Seconds:0} s) | {w.AnsweredPerSecond:0} | {w.CoresBusy:0.00} | " +
                    $"{CpuMeter.Cells(w.MicrosecondsPerAnswered, "total", "load", "gateway", "silo", "rest")} | {w.JitPercentOfACore:0.0} |");
            }

            lines.Add("");
        }

        return string.Join('\n', lines);
    }

    private static string YesNo(bool met) => met ? "yes" : "no";

    private static string MiB(double? value) => value is { } v ? $"{v:0} MiB" : "—";

    /// <summary>One panel per rate: p50 (solid) and p99 (dashed) by route group; the restart's SIGTERM marked.</summary>
    private void Chart(string path)
    {
        var plots = new List<Plot>();
        var colors = new Dictionary<string, Color>
        {
            ["reads"] = Colors.SteelBlue,
            ["cart"] = Colors.DarkOrange,
            ["checkout + pay"] = Colors.SeaGreen,
        };
        foreach (var rate in Rates)
        {
            var plot = new Plot();
            plots.Add(plot);
            foreach (var (group, color) in colors)
            {
                var points = rate.Series.Where(p => p.Group == group).ToArray();
                if (points.Length == 0)
                {
                    continue;
                }

                var x = points.Select(p => p.AtSeconds + SeriesSeconds / 2.0).ToArray();
                var p50 = plot.Add.Scatter(x, points.Select(p => p.P50Ms).ToArray(), color);
                p50.LegendText = $"{group} p50";
                p50.MarkerSize = 0;
                p50.LineWidth = 2;
                var p99 = plot.Add.Scatter(x, points.Select(p => p.P99Ms).ToArray(), color);
                p99.LegendText = $"{group} p99";
                p99.MarkerSize = 0;
                p99.LineWidth = 2;
                p99.LinePattern = LinePattern.Dashed;
            }

            if (rate.Restart is { } restart)
            {
                var line = plot.Add.VerticalLine(restart.StoppedAtSeconds, 1, Colors.Black, LinePattern.Dotted);
                line.LegendText = $"{restart.Silo} SIGTERM";
                var ready = plot.Add.VerticalLine(restart.ReplacementStartedAtSeconds + restart.ReadySeconds, 1, Colors.Gray, LinePattern.Dotted);
                ready.LegendText = $"{restart.Replacement} ready";
            }

            var limit = plot.Add.HorizontalLine(ReadP95LimitMs, 1, Colors.IndianRed, LinePattern.Dotted);
            limit.LegendText = "reads p95 limit";
            // Headroom above the highest p99 keeps the legend off the lines.
            plot.Axes.SetLimitsY(0, Math.Max(2 * ReadP95LimitMs, rate.Series.Select(p => p.P99Ms).DefaultIfEmpty(0).Max() * 1.7));
            plot.Title($"SOAK {rate.RequestsPerMinute:N0}/min: latency by when due ({SeriesSeconds} s slices) — {(rate.Gate.Pass ? "PASS" : "FAIL")}");
            plot.XLabel("seconds into the run");
            plot.YLabel("ms");
            plot.ShowLegend(Alignment.UpperRight);
        }

        if (plots.Count == 0)
        {
            return;
        }

        // A new Multiplot holds one empty plot of its own: start it from the first panel instead.
        var multiplot = new Multiplot();
        multiplot.Reset(plots[0]);
        foreach (var plot in plots.Skip(1))
        {
            multiplot.AddPlot(plot);
        }

        multiplot.SavePng(path, 1000, 450 * plots.Count);
    }
}
