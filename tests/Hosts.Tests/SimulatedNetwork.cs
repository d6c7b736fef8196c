using System.Diagnostics;
using System.Net;

namespace OrderActors.Hosts.Tests;

/// <summary>
/// Machines made of Linux network namespaces: each host is a namespace with one veth link into a "switch" namespace
/// holding a bridge, and the test process (the client, in the root namespace) has one more link into it. Addresses
/// are from 198.18.0.0/15, the range reserved for network tests, and exist only on these links, so no packet leaves
/// them. Needs root and iproute2; everything is created here and removed on dispose.
/// </summary>
public sealed class SimulatedNetwork : IAsyncDisposable
{
    private const string Bridge = "br0";
    private readonly string id;
    private readonly int subnet;
    private readonly List<SimulatedHost> hosts = [];
    private readonly List<(SimulatedHost Host, string[] Selector)> dropRules = [];

    private SimulatedNetwork(string id, int subnet)
    {
        this.id = id;
        this.subnet = subnet;
    }

    /// <summary>The test process's own address on the switch.</summary>
    public IPAddress ClientAddress => Address(1);

    private string Switch => $"oa{id}sw";

    public static async Task<SimulatedNetwork> CreateAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                "The host tests build machines from Linux network namespaces and must run as root (CI does).");
        }

        var taken = await Ip("-4", "-o", "addr", "show");
        var subnet = Enumerable.Range(0, 50).Select(_ => Random.Shared.Next(1, 255)).First(n => !taken.Contains($" 198.18.{n}."));
        var network = new SimulatedNetwork(Guid.NewGuid().ToString("N")[..5], subnet);
        try
        {
            await Ip("netns", "add", network.Switch);
            await Ip("-n", network.Switch, "link", "add", Bridge, "type", "bridge");
            await Ip("-n", network.Switch, "link", "set", Bridge, "up");
            var client = $"oa{network.id}c";
            await Ip("link", "add", client, "type", "veth", "peer", "name", client + "s", "netns", network.Switch);
            await Ip("-n", network.Switch, "link", "set", client + "s", "master", Bridge, "up");
            await Ip("addr", "add", $"{network.ClientAddress}/24", "dev", client);
            await Ip("link", "set", client, "up");
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        return network;
    }

    /// <summary>A new machine on the switch, with its own loopback and one address.</summary>
    public async Task<SimulatedHost> AddHostAsync(string name)
    {
        var number = hosts.Count + 10;
        var host = new SimulatedHost(name, $"oa{id}{name}", Address(number), $"oa{id}p{number}");
        hosts.Add(host);
        var link = $"oa{id}h{number}";
        await Ip("netns", "add", host.Namespace);
        await Ip("link", "add", link, "netns", host.Namespace, "type", "veth", "peer", "name", host.SwitchPort, "netns", Switch);
        await Ip("-n", Switch, "link", "set", host.SwitchPort, "master", Bridge, "up");
        await Ip("-n", host.Namespace, "addr", "add", $"{host.Address}/24", "dev", link);
        await Ip("-n", host.Namespace, "link", "set", link, "up");
        await Ip("-n", host.Namespace, "link", "set", "lo", "up");
        // Packets to the host's own addresses are routed by the "local" table, whose rule comes first; moved after the
        // drop rules below, so that those can drop what arrives from a given peer.
        await Ip("-n", host.Namespace, "rule", "add", "pref", "1000", "lookup", "local");
        await Ip("-n", host.Namespace, "rule", "del", "pref", "0");
        return host;
    }

    /// <summary>
    /// Drops, silently and both ways, what <paramref name="a"/> and <paramref name="b"/> send each other (only their
    /// TCP traffic with port <paramref name="port"/> on <paramref name="b"/>, when given), while both keep every other
    /// link: a partial partition, as when a firewall rule or a routing fault separates some machines but not others.
    /// </summary>
    public async Task DropBetweenAsync(SimulatedHost a, SimulatedHost b, int? port = null)
    {
        string[] only(string direction) => port is null ? [] : ["ipproto", "tcp", direction, port.Value.ToString()];
        await AddDropRule(a, ["from", b.Address.ToString(), .. only("sport")]);
        await AddDropRule(b, ["from", a.Address.ToString(), .. only("dport")]);
    }

    /// <summary>Undoes every <see cref="DropBetweenAsync"/>.</summary>
    public async Task StopDroppingAsync()
    {
        foreach (var (host, selector) in dropRules)
        {
            await Ip(["-n", host.Namespace, "rule", "del", "pref", "10", .. selector, "blackhole"]);
        }

        dropRules.Clear();
    }

    /// <summary>
    /// Cuts the host off from every other one, silently: its port leaves the bridge, so what it sends is dropped by
    /// the switch and nothing reaches it, while its own link stays up (no error tells its processes), as when a
    /// switch port or a cable between two racks fails.
    /// </summary>
    public Task IsolateAsync(SimulatedHost host) => Ip("-n", Switch, "link", "set", host.SwitchPort, "nomaster");

    public Task HealAsync(SimulatedHost host) => Ip("-n", Switch, "link", "set", host.SwitchPort, "master", Bridge);

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts.AsEnumerable().Reverse())
        {
            // Whatever a test left running on the host (the processes this test started) goes with it.
            foreach (var pid in (await Run("ip", "netns", "pids", host.Namespace)).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await Run("kill", "-KILL", pid.Trim());
            }

            await Run("ip", "netns", "del", host.Namespace);
        }

        await Run("ip", "netns", "del", Switch);
    }

    private async Task AddDropRule(SimulatedHost host, string[] selector)
    {
        await Ip(["-n", host.Namespace, "rule", "add", "pref", "10", .. selector, "blackhole"]);
        dropRules.Add((host, selector));
    }

    private IPAddress Address(int number) => IPAddress.Parse($"198.18.{subnet}.{number}");

    private static async Task<string> Ip(params string[] arguments)
    {
        var (exitCode, output) = await Run("ip", arguments);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"ip {string.Join(' ', arguments)} exited with {exitCode}: {output}");
    }

    /// <summary>Runs a command to its end and returns its exit code and output (stdout, then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> Run(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"'{fileName}' could not be run (the host tests need iproute2 and PostgreSQL 15): {exception.Message}");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}

/// <summary>One simulated machine: a network namespace with one address on the switch.</summary>
public sealed record SimulatedHost(string Name, string Namespace, IPAddress Address, string SwitchPort)
{
    /// <summary>The <c>ip</c> arguments that run <paramref name="command"/> on this host.</summary>
    public string[] Exec(params string[] command) => ["netns", "exec", Namespace, .. command];

    public override string ToString() => $"{Name} ({Address})";
}
