using System.Globalization;

namespace OrderActors.Bench;

/// <summary>
/// Where the CPU of a measured window went, per operation, from /proc: each node by its pid (grouped by role: silo,
/// gateway, hello), the bench process itself (its C# load generator and Orleans client) together with the load tools
/// it started and reaped within the window (wrk, pgbench), and the machine's busy time in all. The remainder is
/// PostgreSQL (whose backends come and go with pgbench's connections, so they are not counted one by one), Redis
/// and the kernel's own threads; nothing else runs during a bench.
/// </summary>
public sealed class CpuMeter(IEnumerable<Node> nodes)
{
    // /proc reports CPU time in USER_HZ ticks, 100 per second on Linux.
    private const double MicrosecondsPerTick = 10_000;

    private sealed record Sample(long MachineBusy, long Bench, Dictionary<string, long> Roles);

    /// <summary>Runs <paramref name="measure"/> and returns its figures with the CPU it cost, per operation.</summary>
    public async Task<Measurement> MeasureAsync(Func<Task<Measurement>> measure)
    {
        var before = Take();
        var measurement = await measure();
        var after = Take();
        var operations = Math.Max(1, measurement.Count);
        var perOperation = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["total"] = Per(after.MachineBusy - before.MachineBusy),
            ["load"] = Per(after.Bench - before.Bench),
        };
        foreach (var (role, ticks) in after.Roles)
        {
            perOperation[role] = Per(ticks - before.Roles.GetValueOrDefault(role));
        }

        perOperation["rest"] = perOperation["total"] - perOperation.Where(p => p.Key is not ("total" or "rest")).Sum(p => p.Value);
        return measurement with { CpuMicroseconds = perOperation };

        double Per(long ticks) => Math.Round(ticks * MicrosecondsPerTick / operations, 1);
    }

    /// <summary>
    /// CPU ticks of every node's tiered-compilation threads (the runtime names them ".NET Tiered Compilation Worker"),
    /// by thread: the JIT recompiling hot methods in the background, which goes on after a load's throughput looks
    /// steady and takes its cores from everything else on the machine.
    /// </summary>
    public Dictionary<(int Process, int Thread), long> TieredCompilationTicks()
    {
        var ticks = new Dictionary<(int, int), long>();
        foreach (var node in nodes)
        {
            string[] threads;
            try
            {
                threads = Directory.GetDirectories($"/proc/{node.ProcessId}/task");
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var thread in threads)
            {
                var id = int.Parse(Path.GetFileName(thread), CultureInfo.InvariantCulture);
                if (ThreadTicks(node.ProcessId, id, ".NET Tiered") is { } used)
                {
                    ticks[(node.ProcessId, id)] = used;
                }
            }
        }

        return ticks;
    }

    /// <summary>
    /// The share of one core that <paramref name="after"/>'s threads used since <paramref name="before"/>, in percent of
    /// <paramref name="seconds"/>. A thread that ended in between is not counted (it stopped because it had no more to do).
    /// </summary>
    public static double PercentOfACore(Dictionary<(int, int), long> before, Dictionary<(int, int), long> after, double seconds) =>
        after.Sum(t => t.Value - before.GetValueOrDefault(t.Key)) * MicrosecondsPerTick / (seconds * 1_000_000) * 100;

    private Sample Take()
    {
        var roles = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (ProcessTicks(node.ProcessId, children: false) is { } ticks)
            {
                var role = node.Name.TrimEnd("0123456789".ToCharArray());
                roles[role] = roles.GetValueOrDefault(role) + ticks;
            }
        }

        return new Sample(MachineBusy(), ProcessTicks(Environment.ProcessId, children: true) ?? 0, roles);
    }

    /// <summary>User + system ticks of a process (and of its reaped children), or null once it is gone.</summary>
    private static long? ProcessTicks(int pid, bool children) =>
        StatFields($"/proc/{pid}/stat") is not { } fields ? null
        : children ? Field(fields, 11) + Field(fields, 12) + Field(fields, 13) + Field(fields, 14)
        : Field(fields, 11) + Field(fields, 12);

    /// <summary>User + system ticks of one thread whose name starts with <paramref name="namePrefix"/>, or null.</summary>
    private static long? ThreadTicks(int pid, int tid, string namePrefix)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{tid}/comm").StartsWith(namePrefix, StringComparison.Ordinal)
                   && StatFields($"/proc/{pid}/task/{tid}/stat") is { } fields
                ? Field(fields, 11) + Field(fields, 12)
                : null;
        }
        catch (IOException)
        {
            return null; // the thread ended
        }
    }

    /// <summary>
    /// The fields of a /proc stat file after "(comm)": state is the first, utime the 12th, stime, cutime, cstime the
    /// next three. Null once the process or thread is gone.
    /// </summary>
    private static string[]? StatFields(string path)
    {
        try
        {
            var stat = File.ReadAllText(path);
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Busy ticks of all CPUs: user, nice, system, irq, softirq and steal (not idle or iowait).</summary>
    private static long MachineBusy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => Field(fields, i));
    }

    private static long Field(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
}
