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

    /// <summary>
    /// CPU ticks at one moment: the machine's busy time, the bench's own, its reaped children's (load tools, and nodes
    /// that ended) and each running node's by role and pid, so that a window over which a node stopped or started is
    /// still counted right.
    /// </summary>
    public sealed record Sample(long MachineBusy, long Bench, long Reaped, IReadOnlyDictionary<(string Role, int Pid), long> Nodes);

    /// <summary>Runs <paramref name="measure"/> and returns its figures with the CPU it cost, per operation.</summary>
    public async Task<Measurement> MeasureAsync(Func<Task<Measurement>> measure)
    {
        var before = Take();
        var measurement = await measure();
        return measurement with { CpuMicroseconds = PerOperation(before, Take(), measurement.Count) };
    }

    /// <summary>
    /// CPU microseconds per operation between two samples by role, the bench's with the load tools it ran ("load"),
    /// the machine's ("total") and the remainder ("rest"). A node started in between counts whole (its ticks began in
    /// the window). A node that ended in between was reaped by the bench, which then holds its whole life's ticks: what
    /// it spent in the window is the reaped ticks less what it had spent before (the bench runs no load tool while a
    /// node stops, and stops one node at a time).
    /// </summary>
    public static SortedDictionary<string, double> PerOperation(Sample before, Sample after, long operations)
    {
        operations = Math.Max(1, operations);
        var reaped = after.Reaped - before.Reaped;
        var ended = before.Nodes.Where(node => !after.Nodes.ContainsKey(node.Key)).ToList();
        var perOperation = new SortedDictionary<string, double>(StringComparer.Ordinal)
        {
            ["total"] = Per(after.MachineBusy - before.MachineBusy),
            ["load"] = Per(after.Bench - before.Bench + (ended.Count == 0 ? reaped : 0)),
        };
        var ticks = after.Nodes.Select(node => (node.Key.Role, Ticks: node.Value - before.Nodes.GetValueOrDefault(node.Key))).ToList();
        if (ended.Count > 0)
        {
            ticks.Add((ended[0].Key.Role, reaped - ended.Sum(node => node.Value)));
        }

        foreach (var role in ticks.GroupBy(node => node.Role))
        {
            perOperation[role.Key] = Per(role.Sum(node => node.Ticks));
        }

        perOperation["rest"] = perOperation["total"] - perOperation.Where(p => p.Key is not ("total" or "rest")).Sum(p => p.Value);
        return perOperation;

        double Per(long ticks) => Math.Round(ticks * MicrosecondsPerTick / operations, 1);
    }

    /// <summary>The machine's busy time between two samples, in cores (2 on this machine when saturated).</summary>
    public static double CoresBusy(Sample before, Sample after, double seconds) => Cores(after.MachineBusy - before.MachineBusy, seconds);

    /// <summary>Per-operation figures as Markdown table cells, one per role in this order ("—" for a role not measured).</summary>
    public static string Cells(IReadOnlyDictionary<string, double>? perOperation, params string[] roles) =>
        string.Join(" | ", roles.Select(role =>
            perOperation?.TryGetValue(role, out var value) == true ? value.ToString("0", CultureInfo.InvariantCulture) : "—"));

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
        Cores(after.Sum(t => t.Value - before.GetValueOrDefault(t.Key)), seconds) * 100;

    /// <summary>Ticks spent over <paramref name="seconds"/>, as the number of cores they kept busy.</summary>
    private static double Cores(long ticks, double seconds) => ticks * MicrosecondsPerTick / (seconds * 1_000_000);

    public Sample Take()
    {
        var running = new Dictionary<(string, int), long>();
        foreach (var node in nodes)
        {
            if (ProcessTicks(node.ProcessId) is { } ticks)
            {
                // "silo2" and "silo1-restart1" are both silos.
                running[(new string([.. node.Name.TakeWhile(char.IsLetter)]), node.ProcessId)] = ticks;
            }
        }

        // The bench's own ticks, and its reaped children's (load tools and stopped nodes): cutime and cstime.
        var bench = StatFields($"/proc/{Environment.ProcessId}/stat")!;
        return new Sample(MachineBusy(), Field(bench, 11) + Field(bench, 12), Field(bench, 13) + Field(bench, 14), running);
    }

    /// <summary>User + system ticks of a process, or null once it is gone.</summary>
    private static long? ProcessTicks(int pid) =>
        StatFields($"/proc/{pid}/stat") is { } fields ? Field(fields, 11) + Field(fields, 12) : null;

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
