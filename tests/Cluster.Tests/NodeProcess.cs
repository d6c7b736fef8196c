using System.Diagnostics;

namespace OrderActors.Cluster.Tests;

/// <summary>A silo or gateway running as a real OS process, with its output kept in a log file under the test output.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;

    private NodeProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        this.process = process;
        this.log = log;
    }

    public string Name { get; }

    public bool HasExited => process.HasExited;

    public string LogPath => ((FileStream)log.BaseStream).Name;

    public static NodeProcess Start(string name, string assemblyPath, IReadOnlyDictionary<string, string> environment) =>
        Start(name, "dotnet", [assemblyPath], Path.GetDirectoryName(assemblyPath)!, environment);

    /// <summary>Starts any command (e.g. a silo inside a network namespace through <c>ip netns exec</c>).</summary>
    public static NodeProcess Start(
        string name, string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var logs = Path.Combine(AppContext.BaseDirectory, "node-logs");
        Directory.CreateDirectory(logs);
        var log = new StreamWriter(Path.Combine(logs, $"{DateTime.UtcNow:HHmmss}-{name}-{Guid.NewGuid():N}.log")) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        // For whoever reads the log after a failure: when the process ended and how, written as it happens (a wrapper
        // such as runuser exits with 128 + n when its child was killed by signal n). Before the "[test] stopping" line,
        // it ended before the test stopped it.
        process.Exited += (_, _) => Write(log, $"[test] {name} exited with {process.ExitCode} at {process.ExitTime.ToUniversalTime():HH:mm:ss.fff} UTC");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new NodeProcess(name, process, log);
    }

    /// <summary>Asks the process to stop as an operator would (SIGTERM) and waits for it to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!process.HasExited)
        {
            await AskToStopAsync();
            using var cancellation = new CancellationTokenSource(timeout);
            await process.WaitForExitAsync(cancellation.Token);
        }

        return process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as <see cref="TerminateAsync"/> does, without waiting for the process to exit.</summary>
    public Task AskToStopAsync() => SignalAsync("TERM");

    /// <summary>Freezes the process (SIGSTOP): it neither answers nor sends anything, and its sockets stay open, until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a process frozen by <see cref="PauseAsync"/> run again (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>Waits until a line of the process's output contains <paramref name="text"/>; false if none did within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForLogAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!Log().Contains(text, StringComparison.Ordinal))
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code, or null if it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Kills the process without warning (SIGKILL), as a crashing node would vanish.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Write(log, $"[test] stopping {Name} at {DateTime.UtcNow:HH:mm:ss.fff} UTC");
        await KillAsync();
        process.Dispose();
        lock (log)
        {
            log.Dispose();
        }
    }

    public string Tail(int lines = 40) => string.Join('\n', Log().Split('\n').TakeLast(lines));

    /// <summary>Everything the process has written so far.</summary>
    private string Log()
    {
        lock (log)
        {
            log.Flush();
        }

        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output, or the exit line, can still arrive after the test closed the log (a killed wrapper's
                // children, the exit event of the kill itself): it is not kept.
            }
        }
    }
}
