using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrderActors.Cluster.Tests;

/// <summary>
/// A PostgreSQL server of one test's own, in a temporary folder on a free loopback port, that the test may stop and
/// start again without disturbing any other test. Run as the <c>postgres</c> user when the tests run as root, as
/// PostgreSQL refuses to run as root.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";
    private readonly string directory = Path.Combine(Path.GetTempPath(), "orderactors-pg-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int port = Ports.Free();

    public string ConnectionString => $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Maximum Pool Size=30;Timeout=5";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var server = new PrivatePostgres();
        Directory.CreateDirectory(server.directory);
        if (Environment.UserName == "root")
        {
            await Command.RunAsync("chown", "postgres", server.directory);
        }

        await server.AsPostgres($"{Bin}/initdb", "-D", server.directory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8");
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the stopped server on its port, with its data.</summary>
    public Task StartAgainAsync() => AsPostgres($"{Bin}/pg_ctl", "start", "-D", directory, "-w", "-t", "60", "-l", Path.Combine(directory, "server.log"),
        "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off");

    /// <summary>Stops the server as an operator or a crash of its host would: every connection is cut.</summary>
    public Task StopAsync() => AsPostgres($"{Bin}/pg_ctl", "stop", "-D", directory, "-m", "fast", "-w");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgres($"{Bin}/pg_ctl", "stop", "-D", directory, "-m", "immediate", "-w");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(directory, recursive: true);
    }

    private Task AsPostgres(string program, params string[] arguments) =>
        Environment.UserName == "root"
            ? Command.RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments])
            : Command.RunAsync(program, arguments);
}

/// <summary>A Redis server of one test's own (append-only file on, as in production) that the test may restart.</summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "orderactors-redis-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly int port = Ports.Free();
    private Process? server;

    public string ConnectionString => $"127.0.0.1:{port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var redis = new PrivateRedis();
        Directory.CreateDirectory(redis.directory);
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        server = Process.Start(new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", port.ToString(), "--dir", directory, "--appendonly", "yes", "--save", ""])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await LoopbackPorts.AcceptsAsync(port))
        {
            Assert.True(DateTime.UtcNow < deadline && !server.HasExited, "redis-server did not start");
            await Task.Delay(100);
        }
    }

    /// <summary>Stops Redis the way a service manager restarting it would (SIGTERM: it syncs its file and exits).</summary>
    public async Task StopAsync()
    {
        await Command.RunAsync("kill", "-TERM", server!.Id.ToString());
        await server.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (server is { HasExited: false })
        {
            server.Kill();
            await server.WaitForExitAsync();
        }

        Directory.Delete(directory, recursive: true);
    }
}

internal static class LoopbackPorts
{
    public static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

internal static class Command
{
    /// <summary>Runs a program to its end; a non-zero exit is an <see cref="InvalidOperationException"/> with its output.</summary>
    public static async Task RunAsync(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await errors}");
        }
    }
}
