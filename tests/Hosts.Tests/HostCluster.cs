using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Npgsql;
using OrderActors.Cluster.Tests;

namespace OrderActors.Hosts.Tests;

/// <summary>
/// OrderActors spread over simulated machines: PostgreSQL 15 and Redis on a data host (started here, in a temporary
/// folder), the gateway and every silo on hosts of their own, each started with <c>ip netns exec</c> and the settings
/// docs/operations.md gives for another machine. <see cref="Api"/> is the gateway seen from the client host, with an
/// admin token.
/// </summary>
public sealed class HostCluster : IAsyncDisposable
{
    public const int PostgresPort = 5432;
    public const int RedisPort = 6379;
    public const int SiloPort = 11111;
    public const int SiloGatewayPort = 30000;
    public const int SiloWebPort = 8081;
    public const int GatewayWebPort = 8080;
    private const string PostgresBin = "/usr/lib/postgresql/15/bin";
    private const string SigningKey = "hosts-tests-signing-key-0123456789abcdef";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Membership settings that make a silo cut off from the others be declared dead within seconds rather than the
    /// production defaults' half a minute or so (see docs/operations.md, "Network partitions").
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> FastMembership = new Dictionary<string, string>
    {
        ["Membership__ProbeTimeout"] = "00:00:02",
        ["Membership__NumMissedProbesLimit"] = "2",
        ["Membership__DeathVoteExpirationTimeout"] = "00:00:20",
        ["Membership__TableRefreshTimeout"] = "00:00:05",
        ["Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
    };

    private readonly List<NodeProcess> processes = [];
    private readonly List<HttpClient> clients = [];
    private readonly Dictionary<string, string> settings;
    private readonly HttpClient probe = new() { Timeout = TimeSpan.FromSeconds(5) };
    private string? dataDirectory;

    private HostCluster(SimulatedNetwork network, SimulatedHost data, Dictionary<string, string> settings)
    {
        Network = network;
        Data = data;
        this.settings = settings;
    }

    public SimulatedNetwork Network { get; }

    /// <summary>The host of PostgreSQL and Redis.</summary>
    public SimulatedHost Data { get; }

    public string ServiceId => settings["Orleans__ServiceId"];

    /// <summary>PostgreSQL as the client host reaches it (for the consistency checker).</summary>
    public string Postgres => $"Host={Data.Address};Port={PostgresPort};Username=postgres;Database=orderactors;Maximum Pool Size=20";

    /// <summary>Where silos started from now on find PostgreSQL (a relay's endpoint, to slow it down).</summary>
    public IPEndPoint PostgresForSilos { get; set; } = null!;

    public HttpClient Api { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Creates the network and its data host, and starts PostgreSQL and Redis there.</summary>
    public static async Task<HostCluster> StartAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var network = await SimulatedNetwork.CreateAsync();
        var id = "hosts-tests-" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string>
        {
            ["Orleans__ClusterId"] = id,
            ["Orleans__ServiceId"] = id,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["Auth__SigningKey"] = SigningKey,
            ["RateLimiting__TokenLimit"] = "1000000",
            ["RateLimiting__TokensPerPeriod"] = "1000000",
            // The silos log their votes and evictions, so a test can tell when a cut-off silo was suspected and declared dead.
            ["Serilog__MinimumLevel__Override__Orleans.Runtime.MembershipService.MembershipTableManager"] = "Information",
            // Nothing expires while a test runs, and what a cut-off silo left half done is finished within seconds.
            ["Orders__PaymentWindow"] = "00:10:00",
            ["Orders__RecoveryDelay"] = "00:00:03",
            ["Orders__ReminderPeriod"] = "00:00:02",
            ["Reminders__MinimumReminderPeriod"] = "00:00:01",
        };
        foreach (var (key, value) in FastMembership.Concat(overrides ?? new Dictionary<string, string>()))
        {
            settings[key] = value;
        }

        HostCluster? cluster = null;
        try
        {
            cluster = new HostCluster(network, await network.AddHostAsync("data"), settings);
            await cluster.StartDataAsync();
            return cluster;
        }
        catch
        {
            await (cluster?.DisposeAsync() ?? network.DisposeAsync());
            throw;
        }
    }

    /// <summary>
    /// The environment of a silo on <paramref name="host"/>, exactly as docs/operations.md ("On another machine")
    /// lists it, plus the cluster's own ids, token key and membership settings.
    /// </summary>
    public Dictionary<string, string> SiloEnvironment(SimulatedHost host) => new(settings)
    {
        ["Orleans__AdvertisedAddress"] = host.Address.ToString(),
        ["Orleans__SiloPort"] = SiloPort.ToString(),
        ["Orleans__GatewayPort"] = SiloGatewayPort.ToString(),
        ["Urls"] = $"http://0.0.0.0:{SiloWebPort}",
        ["ConnectionStrings__Postgres"] =
            $"Host={PostgresForSilos.Address};Port={PostgresForSilos.Port};Username=postgres;Database=orderactors;Maximum Pool Size=20",
        ["ConnectionStrings__Redis"] = $"{Data.Address}:{RedisPort}",
    };

    public async Task<NodeProcess> StartSiloAsync(SimulatedHost host)
    {
        var silo = StartDotnet(host, "silo", Repository.Assembly("Silo", "OrderActors.Silo.dll"), SiloEnvironment(host));
        await WaitUntilReady(silo, SiloHealth(host));
        return silo;
    }

    /// <summary>Runs a built .NET program on <paramref name="host"/>, from its own folder (its content root).</summary>
    public NodeProcess StartDotnet(SimulatedHost host, string name, string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var node = NodeProcess.Start($"{name}-{host.Name}", "ip", host.Exec("dotnet", assembly), Path.GetDirectoryName(assembly)!, environment);
        processes.Add(node);
        return node;
    }

    /// <summary>Runs <paramref name="command"/> (e.g. scripts/add-silo.sh) on <paramref name="host"/>, from the repository's root.</summary>
    public NodeProcess StartCommand(SimulatedHost host, string name, string[] command, IReadOnlyDictionary<string, string> environment)
    {
        var node = NodeProcess.Start($"{name}-{host.Name}", "ip", host.Exec(command), Repository.Root, environment);
        processes.Add(node);
        return node;
    }

    /// <summary>
    /// Starts a gateway on <paramref name="host"/> and returns a client of it with an admin token. The first gateway
    /// started is also <see cref="Api"/>.
    /// </summary>
    public async Task<HttpClient> StartGatewayAsync(SimulatedHost host)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings__Redis"] = $"{Data.Address}:{RedisPort}",
            ["Urls"] = $"http://{host.Address}:{GatewayWebPort}",
        };
        var gateway = StartDotnet(host, "gateway", Repository.Assembly("Gateway", "OrderActors.Gateway.dll"), environment);
        var client = Api.BaseAddress is null ? Api : new HttpClient { Timeout = Api.Timeout };
        clients.Add(client);
        client.BaseAddress = new Uri($"http://{host.Address}:{GatewayWebPort}");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await MintAdminTokenAsync());
        await WaitUntilReady(gateway, new Uri(client.BaseAddress, "/health/ready"));
        return client;
    }

    /// <summary>Silos on hosts <c>silo1</c>..<c>silo{count}</c> and the gateway on host <c>gateway</c>, all serving.</summary>
    public async Task<IReadOnlyList<(SimulatedHost Host, NodeProcess Silo)>> StartNodesAsync(int silos)
    {
        var hosts = new List<SimulatedHost>();
        for (var i = 1; i <= silos; i++)
        {
            hosts.Add(await Network.AddHostAsync($"silo{i}"));
        }

        var started = await Task.WhenAll(hosts.Select(async host => (host, await StartSiloAsync(host))));

        await StartGatewayAsync(await Network.AddHostAsync("gateway"));
        await WaitForSilosAsync(view => view.Count(s => s.Status == "Active") == silos, StartTimeout, $"{silos} silos becoming active");
        return started;
    }

    /// <summary>Creates <paramref name="count"/> products with <paramref name="stock"/> units each and returns their SKUs.</summary>
    public async Task<string[]> CreateProductsAsync(int count, int stock, decimal price)
    {
        var skus = new string[count];
        for (var i = 0; i < count; i++)
        {
            skus[i] = await Api.CreateProduct(stock, price);
        }

        return skus;
    }

    public static Uri SiloHealth(SimulatedHost host) => new($"http://{host.Address}:{SiloWebPort}/health/ready");

    /// <summary>The gateway's view of the silos: address (<c>ip:port@generation</c>), status and activation count.</summary>
    public async Task<IReadOnlyList<(string Address, string Status, int? Activations)>> SilosAsync()
    {
        var view = await Api.GetFromJsonAsync<JsonNode>("/api/admin/cluster");
        return view!["silos"]!.AsArray()
            .Select(s => ((string)s!["address"]!, (string)s["status"]!, (int?)s["activations"]))
            .ToList();
    }

    /// <summary>Polls the gateway's view of the cluster until <paramref name="done"/> holds (a view that fails to load counts as not yet).</summary>
    public async Task<IReadOnlyList<(string Address, string Status, int? Activations)>> WaitForSilosAsync(
        Func<IReadOnlyList<(string Address, string Status, int? Activations)>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        IReadOnlyList<(string, string, int?)> silos = [];
        while (deadline.Elapsed < timeout)
        {
            try
            {
                silos = await SilosAsync();
                if (done(silos))
                {
                    return silos;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // The view is read from the silos; during a partition it can fail until membership has converged.
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"{what} did not happen within {timeout}; the cluster's view: {string.Join(", ", silos)}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            await process.DisposeAsync();
        }

        await Network.DisposeAsync();
        if (dataDirectory is not null)
        {
            Directory.Delete(dataDirectory, recursive: true);
        }

        probe.Dispose();
        clients.ForEach(client => client.Dispose());
    }

    private async Task StartDataAsync()
    {
        dataDirectory = Directory.CreateTempSubdirectory("orderactors-hosts-").FullName;
        var pgdata = Path.Combine(dataDirectory, "pgdata");
        Directory.CreateDirectory(pgdata);
        await Must("chown", "-R", "postgres:postgres", dataDirectory);
        await Must("runuser", "-u", "postgres", "--", $"{PostgresBin}/initdb", "-D", pgdata, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await File.AppendAllTextAsync(Path.Combine(pgdata, "pg_hba.conf"), $"host all all {Network.ClientAddress}/24 trust\n");
        StartCommand(Data, "postgres",
            [
                "runuser", "-u", "postgres", "--", $"{PostgresBin}/postgres", "-D", pgdata,
                "-c", $"listen_addresses={Data.Address}", "-c", $"port={PostgresPort}", "-c", $"unix_socket_directories={dataDirectory}",
                "-c", "max_connections=200", "-c", "fsync=off",
            ],
            new Dictionary<string, string>());
        StartCommand(Data, "redis",
            [
                "redis-server", "--bind", Data.Address.ToString(), "--port", RedisPort.ToString(), "--save", "", "--appendonly", "no",
                "--protected-mode", "no", "--dir", dataDirectory,
            ],
            new Dictionary<string, string>());
        PostgresForSilos = new IPEndPoint(Data.Address, PostgresPort);

        var admin = $"Host={Data.Address};Port={PostgresPort};Username=postgres;Database=postgres;Pooling=false";
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(admin);
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE orderactors", connection);
                await create.ExecuteNonQueryAsync();
                break;
            }
            catch (NpgsqlException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(250);
            }
        }

        while (!await Listens(new IPEndPoint(Data.Address, RedisPort)))
        {
            Assert.True(deadline.Elapsed < StartTimeout, "Redis did not start on the data host.");
            await Task.Delay(250);
        }
    }

    private static async Task<bool> Listens(IPEndPoint endpoint)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task Must(string fileName, params string[] arguments)
    {
        var (exitCode, output) = await SimulatedNetwork.Run(fileName, arguments);
        Assert.True(exitCode == 0, $"{fileName} {string.Join(' ', arguments)} exited with {exitCode}: {output}");
    }

    private async Task<string> MintAdminTokenAsync()
    {
        var (exitCode, token) = await RunWith(settings, "dotnet", Repository.Assembly("Gateway", "OrderActors.Gateway.dll"), "token", "--sub", "admin", "--role", "admin");
        Assert.True(exitCode == 0, $"token exited with {exitCode}: {token}");
        return token.Trim();
    }

    private static async Task<(int ExitCode, string Output)> RunWith(IReadOnlyDictionary<string, string> environment, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private async Task WaitUntilReady(NodeProcess node, Uri health)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout && !node.HasExited)
        {
            try
            {
                using var response = await probe.GetAsync(health);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{node.Name} did not become ready at {health}; its log ends:\n{node.Tail()}");
    }
}

/// <summary>Where the built silo, gateway and scripts live, relative to this test assembly.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the processes under test are the ones built alongside these tests.</summary>
    public static string Configuration { get; } = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string Assembly(string project, string assembly)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first ({Configuration}): {path} is missing.");
    }

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
