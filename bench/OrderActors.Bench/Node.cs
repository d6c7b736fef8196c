using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrderActors.Bench;

/// <summary>A silo, gateway or hello server started by the bench as its own process, its output kept in a log file.</summary>
public sealed class Node : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process process;
    private readonly Stopwatch sinceStart;

    private Node(string name, Process process, Uri address)
    {
        Name = name;
        this.process = process;
        Address = address;
        sinceStart = Stopwatch.StartNew();
    }

    public string Name { get; }

    public int ProcessId => process.Id;

    /// <summary>Its HTTP address (health checks, API or hello world).</summary>
    public Uri Address { get; }

    /// <summary>Starts <paramref name="command"/> (<c>dotnet</c> and an assembly, or a published executable) on a free port.</summary>
    public static Node Start(string name, string logDirectory, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var port = FreePort();
        // The node writes its output straight into its log file: sh only sets up the redirection and then becomes
        // the node's process (exec, same pid), so the bench spends no CPU relaying lines while it measures.
        var info = new ProcessStartInfo("/bin/sh",
            ["-c", "log=$1; shift; exec \"$@\" > \"$log\" 2>&1", name, Path.Combine(logDirectory, name + ".log"),
             .. command, "--urls", $"http://127.0.0.1:{port}"])
        {
            UseShellExecute = false,
            // Where its binaries are: the assembly's folder, or the executable's.
            WorkingDirectory = Path.GetDirectoryName(command[0] == "dotnet" ? command[1] : command[0])!,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}.");
        return new Node(name, process, new Uri($"http://127.0.0.1:{port}"));
    }

    /// <summary>Waits for a 200 from <paramref name="path"/>; returns the time from process start to that answer.</summary>
    public async Task<TimeSpan> WaitReadyAsync(string path, TimeSpan timeout)
    {
        while (sinceStart.Elapsed < timeout && !process.HasExited)
        {
            try
            {
                using var response = await Probe.GetAsync(new Uri(Address, path));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return sinceStart.Elapsed;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{Name} was not ready at {path} within {timeout.TotalSeconds:0} s (exited: {process.HasExited}).");
    }

    /// <summary>A counter on the node's Prometheus endpoint (<c>/metrics</c>), summed over its series; 0 before it has any.</summary>
    public async Task<double> CounterAsync(string name)
    {
        var text = await Probe.GetStringAsync(new Uri(Address, "/metrics"));
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
            .Sum(line =>
            {
                // "name{labels} value [timestamp]" or "name value [timestamp]": the value is the first field after the series.
                var series = line[name.Length] == '{' ? line.LastIndexOf('}') + 1 : name.Length;
                return double.Parse(line[series..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
            });
    }

    /// <summary>Resident memory of the process in MiB, from /proc.</summary>
    public double ResidentMiB()
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    /// <summary>SIGTERM, as an operator's shutdown; SIGKILL if it has not stopped within 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await term.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
