using System.Diagnostics;

namespace OrderActors.Bench;

/// <summary>
/// When a load counts as steady: two consecutive windows of <paramref name="WindowSeconds"/> whose throughputs differ
/// by less than <paramref name="StablePercent"/> of the larger one, the second of them with the nodes' background JIT
/// (tiered recompilation) below <paramref name="JitPercent"/> of one core, within <paramref name="CapSeconds"/> of load.
/// </summary>
public sealed record SteadyRule(int WindowSeconds, double StablePercent, int CapSeconds, double JitPercent);

/// <summary>
/// How long a load took to become steady: its wall-clock seconds, the windows it ran (their throughputs, in order),
/// the nodes' background JIT in its last window (percent of one core) and whether it stopped at the cap instead.
/// </summary>
public sealed record WarmUpResult(double Seconds, IReadOnlyList<double> WindowsPerSecond, double LastJitPercent, bool HitCap)
{
    public int Windows => WindowsPerSecond.Count;

    public override string ToString() =>
        $"{Seconds:0} s, {Windows} windows, JIT {LastJitPercent:0.0} % of a core at the end{(HitCap ? ", hit the cap" : "")}";
}

/// <summary>
/// The one warm-up every measured side gets (and the rule a fresh process is timed by): the load itself, in windows,
/// until its throughput stops moving and the JIT has stopped recompiling. The JIT's tiering, pools and caches settle
/// at different speeds on different machines, so a fixed warm-up measures start-up on some of them and steady state
/// on others; and a throughput can look steady while the JIT still takes a fifth of the machine (R4, 4 December).
/// </summary>
public static class WarmUp
{
    /// <summary>
    /// Runs <paramref name="window"/> (it runs the load for the seconds given and returns its throughput) until two
    /// consecutive windows are within the rule's percentage of each other, the nodes' tiered compilation
    /// (<paramref name="cpu"/>) used less than the rule's share of a core in the second, or the cap is reached.
    /// </summary>
    public static async Task<WarmUpResult> UntilSteadyAsync(SteadyRule rule, CpuMeter cpu, Func<int, Task<double>> window)
    {
        var rates = new List<double>();
        var jit = 0.0;
        var clock = Stopwatch.StartNew();
        // The cap counts whole windows of load (a shorter one would be compared with a longer one); starting each tool
        // (wrk, pgbench, connections) adds a little to every window, so the wall-clock warm-up can end just past it.
        while (rates.Count < rule.CapSeconds / rule.WindowSeconds)
        {
            var compiledBefore = cpu.TieredCompilationTicks();
            var started = Stopwatch.StartNew();
            rates.Add(await window(rule.WindowSeconds));
            jit = CpuMeter.PercentOfACore(compiledBefore, cpu.TieredCompilationTicks(), started.Elapsed.TotalSeconds);
            if (rates.Count >= 2 && Steady(rates[^2], rates[^1], rule.StablePercent) && jit < rule.JitPercent)
            {
                return new WarmUpResult(clock.Elapsed.TotalSeconds, rates, jit, HitCap: false);
            }
        }

        return new WarmUpResult(clock.Elapsed.TotalSeconds, rates, jit, HitCap: true);
    }

    /// <summary>
    /// A measured side's warm-up: <paramref name="load"/> until steady, with <paramref name="reset"/> after each window
    /// when the load changes what the measurement checks (stock rows, stored versions). Null when BENCH_WARMUP is 0.
    /// </summary>
    public static async Task<WarmUpResult?> RunAsync(
        BenchSettings settings, CpuMeter cpu, Func<int, Task<Measurement>> load, Func<Task>? reset = null)
    {
        if (!settings.WarmUp)
        {
            return null;
        }

        return await UntilSteadyAsync(settings.Steady, cpu, async seconds =>
        {
            var measurement = await load(seconds);
            if (reset is not null)
            {
                await reset();
            }

            return measurement.PerSecond;
        });
    }

    /// <summary>Both zero counts as steady: a load that answers nothing will not start answering by waiting.</summary>
    private static bool Steady(double previous, double current, double percent)
    {
        var larger = Math.Max(previous, current);
        return larger == 0 || Math.Abs(current - previous) / larger * 100 < percent;
    }
}
