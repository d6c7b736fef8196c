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
    private static long? ProcessTicks(int pid, bool children)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // Fields after "(comm)": state is the first, utime the 12th, stime, cutime, cstime the next three.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var own = Field(fields, 11) + Field(fields, 12);
        return children ? own + Field(fields, 13) + Field(fields, 14) : own;
    }

    /// <summary>Busy ticks of all CPUs: user, nice, system, irq, softirq and steal (not idle or iowait).</summary>
    private static long MachineBusy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => Field(fields, i));
    }

    private static long Field(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
}
