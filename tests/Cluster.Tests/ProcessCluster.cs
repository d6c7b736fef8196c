using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace OrderActors.Cluster.Tests;

/// <summary>
/// A cluster of real silo and gateway processes built from this repository, on the real PostgreSQL and Redis,
/// with a cluster and service id of its own so tests never see each other's state.
/// <see cref="Api"/> carries an admin token minted by the gateway's own <c>token</c> command.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const string SigningKey = "cluster-tests-signing-key-0123456789abcdef";
    private readonly Dictionary<string, string> settings;
    private readonly List<NodeProcess> nodes = [];
    private readonly Dictionary<NodeProcess, Uri> siloWebAddresses = [];
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Settings of crash tests: a killed silo is declared dead within seconds, and what it left half done (a
    /// placement, a reservation) is recovered by reminders within seconds.
    /// </summary>
    public static Dictionary<string, string> FastRecovery(TimeSpan paymentWindow) => new()
    {
        ["Orders__PaymentWindow"] = paymentWindow.ToString(),
        ["Orders__RecoveryDelay"] = "00:00:03",
        ["Orders__ReminderPeriod"] = "00:00:02",
        ["Reminders__MinimumReminderPeriod"] = "00:00:01",
        ["Membership__ProbeTimeout"] = "00:00:01",
        ["Membership__NumMissedProbesLimit"] = "2",
        ["Membership__DeathVoteExpirationTimeout"] = "00:00:10",
    };

    public ProcessCluster(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var id = "cluster-tests-" + Guid.NewGuid().ToString("N")[..8];
        settings = new()
        {
            ["ConnectionStrings__Postgres"] = TestEnvironment.Postgres,
            ["ConnectionStrings__Redis"] = TestEnvironment.Redis,
            ["Orleans__ClusterId"] = id,
            ["Orleans__ServiceId"] = id,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Serilog__MinimumLevel__Default"] = "Information",
            ["Auth__SigningKey"] = SigningKey,
            ["RateLimiting__TokenLimit"] = "1000000",
            ["RateLimiting__TokensPerPeriod"] = "1000000",
            // No load balancer to wait for: gateways stop at once (Gateway.Tests prove the drain delay).
            ["Shutdown__DrainDelay"] = "00:00:00",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
    }

    public Uri GatewayAddress { get; private set; } = null!;

    /// <summary>The Orleans service id all of this cluster's state is stored under.</summary>
    public string ServiceId => settings["Orleans__ServiceId"];

    /// <summary>The environment every node of this cluster starts with: connection strings, cluster and service id.</summary>
    public IReadOnlyDictionary<string, string> Settings => settings;

    /// <summary>Where a silo started by <see cref="StartSiloAsync"/> serves its dashboard and health endpoints.</summary>
    public Uri WebAddressOf(NodeProcess silo) => siloWebAddresses[silo];

    public HttpClient Api { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<NodeProcess> StartSiloAsync()
    {
        var web = Ports.Free();
        var environment = new Dictionary<string, string>(settings)
        {
            ["Orleans__SiloPort"] = Ports.Free().ToString(),
            ["Orleans__GatewayPort"] = Ports.Free().ToString(),
            ["Urls"] = $"http://127.0.0.1:{web}",
        };
        var silo = Start($"silo-{web}", "Silo", "OrderActors.Silo.dll", environment);
        siloWebAddresses[silo] = new Uri($"http://127.0.0.1:{web}");
        await WaitUntilReady(silo, new Uri($"http://127.0.0.1:{web}/health/ready"));
        return silo;
    }

    public async Task<NodeProcess> StartGatewayAsync()
    {
        var port = GatewayAddress?.Port ?? Ports.Free();
        var environment = new Dictionary<string, string>(settings) { ["Urls"] = $"http://127.0.0.1:{port}" };
        var gateway = Start($"gateway-{port}", "Gateway", "OrderActors.Gateway.dll", environment);
        GatewayAddress = new Uri($"http://127.0.0.1:{port}");
        Api.BaseAddress ??= GatewayAddress;
        Api.DefaultRequestHeaders.Authorization ??= new AuthenticationHeaderValue("Bearer", await MintTokenAsync("admin", "admin"));
        await WaitUntilReady(gateway, new Uri(GatewayAddress, "/health/ready"));
        return gateway;
    }

    /// <summary>Runs <c>OrderActors.Gateway token</c> as a person would, with this cluster's signing key.</summary>
    public async Task<string> MintTokenAsync(string subject, params string[] roles)
    {
        var info = new ProcessStartInfo("dotnet", [Assembly("Gateway", "OrderActors.Gateway.dll"), "token", "--sub", subject, .. roles.SelectMany(r => new[] { "--role", r })])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var token = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 && token.Length > 0, $"token exited with {process.ExitCode}");
        return token;
    }

    /// <summary>Stops every running process with SIGTERM, as an operator's shutdown would.</summary>
    public async Task StopAllAsync()
    {
        foreach (var node in nodes.Where(n => !n.HasExited).Reverse())
        {
            await node.TerminateAsync(TimeSpan.FromSeconds(60));
        }
    }

    public async Task<int> ActiveSilosAsync()
    {
        var cluster = await Api.GetFromJsonAsync<JsonNode>("/api/admin/cluster");
        return (int)cluster!["activeSilos"]!;
    }

    /// <summary>
    /// As <see cref="ActiveSilosAsync"/>, but a 503 counts as no answer yet: right after a silo leaves, the gateway may
    /// answer a call that reached the leaving silo with 503 and Retry-After, as it does for any request then.
    /// </summary>
    private async Task<int?> ActiveSilosOrNoneAsync()
    {
        try
        {
            return await ActiveSilosAsync();
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }
    }

    /// <summary>The gateway's view of the cluster: <c>activeSilos</c> and <c>silos[address, status, activations, ...]</c>.</summary>
    public async Task<JsonNode> ClusterViewAsync() => (await Api.GetFromJsonAsync<JsonNode>("/api/admin/cluster"))!;

    public Task WaitForActiveSilosAsync(int count) =>
        Poll.For(ActiveSilosOrNoneAsync, active => active == count, $"the cluster at {count} active silos", StartTimeout);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        http.Dispose();
        Api.Dispose();
    }

    private NodeProcess Start(string name, string project, string assembly, Dictionary<string, string> environment)
    {
        var node = NodeProcess.Start(name, Assembly(project, assembly), environment);
        nodes.Add(node);
        return node;
    }

    private static string Assembly(string project, string assembly)
    {
        var path = Path.Combine(Repository.Root, "src", project, "bin", Repository.Configuration, "net10.0", assembly);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Build the solution first ({Repository.Configuration}): {path} is missing.");
    }

    private async Task WaitUntilReady(NodeProcess node, Uri health)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !node.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(health);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{node.Name} did not become ready at {health}; its log ends:\n{node.Tail()}");
    }

}

/// <summary>Where the built silo and gateway live, relative to this test assembly.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the processes under test are the ones built alongside these tests.</summary>
    public static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrderActors.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("OrderActors.sln not found above " + AppContext.BaseDirectory);
    }
}
