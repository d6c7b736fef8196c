using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace OrderActors.Bench;

/// <summary>
/// What SOAK runs, from the environment: BENCH_SOAK_RPM (comma list of operations per minute, default 50000,100000),
/// BENCH_SOAK_MINUTES per rate (default 10, fractions allowed), BENCH_SOAK_IN_FLIGHT (the bound on operations in
/// flight, default 2000) and BENCH_SOAK_WARMUP (the most seconds of the same load, unmeasured, before the first rate;
/// default 180; 0: none): it ends as soon as the load is steady by the scenarios' rule (<see cref="WarmUp"/>), and
/// BENCH_SOAK_RESTART, the order of the mid-run restart: <c>stop-first</c> (default: SIGTERM, then the same silo started
/// again, as a process restarted in place) or <c>replace-first</c> (the replacement started and known to the gateway before
/// the SIGTERM, as docs/operations.md's rolling restart).
/// </summary>
public sealed record SoakSettings(IReadOnlyList<int> RequestsPerMinute, double Minutes, int MaxInFlight, int WarmUpSeconds, string RestartOrder)
{
    public const string StopFirstOrder = "stop-first";
    public const string ReplaceFirstOrder = "replace-first";

    public bool ReplaceFirst => RestartOrder == ReplaceFirstOrder;

    public static SoakSettings FromEnvironment()
    {
        var rates = (Environment.GetEnvironmentVariable("BENCH_SOAK_RPM") is { Length: > 0 } list ? list : "50000,100000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(rate => int.TryParse(rate, out var n) && n > 0 ? n : throw new ArgumentException($"BENCH_SOAK_RPM: '{rate}' is not a whole number above 0."))
            .ToArray();
        var order = Environment.GetEnvironmentVariable("BENCH_SOAK_RESTART") is { Length: > 0 } named ? named : StopFirstOrder;
        if (order is not (StopFirstOrder or ReplaceFirstOrder))
        {
            throw new ArgumentException($"BENCH_SOAK_RESTART='{order}': expected {StopFirstOrder} or {ReplaceFirstOrder}.");
        }

        return new SoakSettings(rates, Positive("BENCH_SOAK_MINUTES", 10), (int)Positive("BENCH_SOAK_IN_FLIGHT", 2000),
            (int)Positive("BENCH_SOAK_WARMUP", 180, zero: true), order);
    }

    private static double Positive(string name, double fallback, bool zero = false) =>
        Environment.GetEnvironmentVariable(name) is not { Length: > 0 } value ? fallback
        : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && (number > 0 || (zero && number == 0)) ? number
        : throw new ArgumentException($"{name}='{value}': expected a number above 0{(zero ? " (or 0)" : "")}.");
}

public sealed partial class BenchRun
{
    private const int SoakCatalog = 1000;
    private const int SoakDeals = 20;
    private const int SoakCustomers = 20_000;
    private static readonly string[] SoakWords = ["red", "blue", "green", "black", "wool", "steel", "oak", "linen"];

    /// <summary>
    /// SOAK, the seed's Black-Friday gate: at each rate of BENCH_SOAK_RPM, the open-model mix of <see cref="SoakLoad"/>
    /// for BENCH_SOAK_MINUTES on two silos, the longest-running one stopped with SIGTERM halfway through and started
    /// again at once; then what PostgreSQL holds is checked for duplicate orders and oversold units. Writes soak.json
    /// and soak.png beside the other figures.
    /// </summary>
    private async Task SoakAsync(Node gateway)
    {
        var soak = SoakSettings.FromEnvironment();
        var soakReport = new SoakReport
        {
            RunId = id,
            Started = DateTimeOffset.UtcNow,
            Machine =
            {
                ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
                ["loadAverageAtStart"] = File.ReadAllText("/proc/loadavg").Trim(),
            },
            Settings =
            {
                ["requestsPerMinute"] = soak.RequestsPerMinute,
                ["minutes"] = soak.Minutes,
                ["maxInFlight"] = soak.MaxInFlight,
                ["warmUpSeconds"] = soak.WarmUpSeconds,
                ["restart"] = soak.RestartOrder,
                ["mix"] = "55 % product GET, 15 % listing GET, 20 % cart line PUT, 10 % checkout + pay",
                ["catalogProducts"] = SoakCatalog,
                ["dealsPerRate"] = SoakDeals,
                ["customersPerRate"] = SoakCustomers,
                ["bearerToken"] = settings.Token is not null,
                ["gatewayEnvironment"] = settings.GatewayEnvironment,
            },
        };

        await EnsureSilosAsync(2);
        var catalog = Enumerable.Range(0, SoakCatalog).Select(i => $"SOAK-P{i}").ToArray();
        await CreateSoakProductsAsync(catalog.Select((sku, i) => (sku, LargeStock, $"{SoakWords[i % SoakWords.Length]} {SoakWords[i / SoakWords.Length % SoakWords.Length]}")));
        Say($"SOAK: {catalog.Length} catalog products; {string.Join(", ", soak.RequestsPerMinute)} operations/min, {soak.Minutes} min each, " +
            $"at most {soak.MaxInFlight} in flight, warm-up until steady (at most {soak.WarmUpSeconds} s)");

        using var soakHttp = SoakHttpClient(gateway.Address, soak.MaxInFlight);
        if (soak.WarmUpSeconds > 0)
        {
            soakReport.WarmUp = await SoakWarmUpAsync(soakHttp, catalog, soak);
            Say($"SOAK: warm-up {soakReport.WarmUp}");
        }

        foreach (var rate in soak.RequestsPerMinute)
        {
            soakReport.Rates.Add(await SoakRateAsync(soakHttp, catalog, rate, soak));
        }

        soakReport.Finished = DateTimeOffset.UtcNow;
        soakReport.Machine["loadAverageAtEnd"] = File.ReadAllText("/proc/loadavg").Trim();
        await soakReport.WriteAsync(settings.OutputDirectory);
    }

    /// <summary>
    /// The mix at the first rate, unmeasured, until steady as every scenario's side is (<see cref="WarmUp"/>: two windows
    /// answering within the rule's percentage of each other, the nodes' JIT below its share of a core), at most
    /// BENCH_SOAK_WARMUP seconds; then no new operation starts and those in flight finish, so the measured load starts on
    /// compiled code and an empty queue. A backlog built while the processes were still compiling would otherwise take
    /// minutes to drain at a rate close to the machine's capacity (5 December: at 50,000 a minute, the first 240 s of a
    /// run after a 30 s warm-up).
    /// </summary>
    private async Task<WarmUpResult> SoakWarmUpAsync(HttpClient soakHttp, string[] catalog, SoakSettings soak)
    {
        var rate = soak.RequestsPerMinute[0];
        // The load runs until the rule stops it; twice the cap only bounds it (the windows take a little longer than
        // their seconds, so a load of exactly the cap would end before the last of them).
        var longest = TimeSpan.FromSeconds(2 * soak.WarmUpSeconds);
        var load = new SoakLoad(soakHttp, await SoakPlanAsync("soakw", catalog, rate, longest.TotalMinutes), soak.MaxInFlight);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(rate, longest, stop.Token);
        var warm = await WarmUp.UntilSteadyAsync(settings.Steady with { CapSeconds = soak.WarmUpSeconds }, Cpu, async seconds =>
        {
            var answered = load.Answered;
            var window = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            return (load.Answered - answered) / window.Elapsed.TotalSeconds;
        });
        await stop.CancelAsync();
        await running;
        return warm;
    }

    private async Task<SoakReport.RateResult> SoakRateAsync(HttpClient soakHttp, string[] catalog, int rate, SoakSettings soak)
    {
        var duration = TimeSpan.FromMinutes(soak.Minutes);
        var plan = await SoakPlanAsync($"soak{rate}", catalog, rate, soak.Minutes);
        var startMemory = Resident();
        Say($"SOAK {rate}/min: {SoakLoad.LongestOperation.TotalSeconds:0} s at most after {duration.TotalSeconds:0} s of load; " +
            $"{nodes.Count(IsSilo)} silos, the longest-running restarted ({soak.RestartOrder}) at {duration.TotalSeconds / 2:0} s");

        var load = new SoakLoad(soakHttp, plan, soak.MaxInFlight);
        var writesBefore = await StorageWritesAsync();
        var cpu = Cpu;
        var marks = new List<SoakReport.CpuMark>();
        Mark("load start");
        var running = load.RunAsync(rate, duration);
        await Task.WhenAny(running, Task.Delay(duration / 2));
        SoakReport.SiloRestart? restart = null;
        Dictionary<string, double>? clientMessagesFrom = null;
        if (!running.IsCompleted)
        {
            Mark("restart");
            restart = await RestartSiloAsync(load, soak);
            Mark(soak.ReplaceFirst ? "replaced" : "joined");
            clientMessagesFrom = await ClientMessagesAsync();
        }

        await running;
        var loadSeconds = load.Now;
        Mark("load end");
        var endMemory = Resident();
        var clientMessages = clientMessagesFrom is not null && await ClientMessagesAsync() is { } clientMessagesTo
            ? SoakReport.ClientMessagesBySilo(clientMessagesFrom, clientMessagesTo)
            : [];

        var checks = await SoakChecksAsync(plan, load);
        // Read after the checks, so that writes the load left to timers (acknowledgements, announcements) are counted.
        var writesAfter = await StorageWritesAsync();
        var writesPerOrder = Database.WritesPerOrder(writesBefore.ByGrain, writesAfter.ByGrain, writesAfter.Orders - writesBefore.Orders)
            .ToDictionary(w => w.Key, w => Math.Round(w.Value, 2));
        var (routes, gate, series) = SoakReport.Summarize(load.Samples, checks);
        var cpuWindows = SoakReport.CpuWindows(load.Samples, marks);
        var gateWindows = SoakReport.GateWindows(load.Samples, marks);
        var memory = startMemory.Keys.Union(endMemory.Keys)
            .Select(process => new SoakReport.ProcessMemory(process.Name, process.Pid, startMemory.GetValueOrDefault(process), endMemory.GetValueOrDefault(process)))
            .ToList();
        var result = new SoakReport.RateResult(rate, soak.Minutes, rate / 60.0, Math.Round(loadSeconds, 1), load.Operations,
            load.FiveHundredsSeen, load.Retries, routes, checks, memory, restart, clientMessages, gate, gateWindows, series, cpuWindows)
        {
            StorageWritesPerOrder = writesPerOrder,
        };
        Say($"SOAK {rate}/min: {SoakReport.WritesPerOrder(writesPerOrder)}");
        Say($"SOAK {rate}/min: {(gate.Pass ? "PASS" : "FAIL")} — reads p95 {gate.ReadP95Ms:0.0} ms, answered without 5xx " +
            $"{gate.AnsweredWithout5xxShare * 100:0.0000} %, duplicates {checks.DuplicateOrders} stored / {checks.ClientDuplicates} seen, oversold {checks.Oversold}");
        return result;

        // The CPU counters now, at this moment of the load.
        void Mark(string name) => marks.Add(new(name, load.Now, cpu.Take(), cpu.TieredCompilationTicks()));
    }

    /// <summary>Storage writes so far by grain type (each row's version counts its writes), and the orders stored.</summary>
    private async Task<(Dictionary<string, long> ByGrain, long Orders)> StorageWritesAsync() =>
        (await database.StorageWritesAsync(id),
         await database.ScalarAsync("SELECT count(*) FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = 'order'", ("service", id)));

    /// <summary>
    /// The silo that has run longest restarted, as an operator would: <c>stop-first</c> SIGTERM, then the same silo started
    /// again (a process restarted in place); <c>replace-first</c> the replacement started, active and on the gateway's list
    /// of silos before the SIGTERM (docs/operations.md, "Rolling restart without errors"). Orleans' client keeps each
    /// grain's calls on the silo it first sent them through, so only the calls of a silo that stops move, and only to
    /// silos the gateway knows of at that moment.
    /// </summary>
    private async Task<SoakReport.SiloRestart> RestartSiloAsync(SoakLoad load, SoakSettings soak)
    {
        var silo = nodes.First(IsSilo);
        var restarts = nodes.Count(node => node.Name.Contains("-restart", StringComparison.Ordinal)) + 1;
        var name = $"{silo.Name.Split('-')[0]}-restart{restarts}";
        (double AtSeconds, double ReadyMiB)? replaced = soak.ReplaceFirst ? await StartReplacementAsync() : null;
        if (replaced is not null)
        {
            await EnsureSilosAsync(nodes.Count(IsSilo));
            await Task.Delay(GatewayListRefresh);
        }

        var stoppedAt = load.Now;
        Say($"SOAK: stopping {silo.Name} (pid {silo.ProcessId}) with SIGTERM at {stoppedAt:0} s");
        var stopping = Stopwatch.StartNew();
        await silo.DisposeAsync();
        nodes.Remove(silo);
        var stopSeconds = stopping.Elapsed.TotalSeconds;
        var (startedAt, readyMiB) = replaced ?? await StartReplacementAsync();
        var active = await EnsureSilosAsync(2);
        Say($"SOAK: {silo.Name} exited {stopSeconds:0.0} s after SIGTERM; {name} ready {report.StartToReadySeconds[^1]:0.0} s after its start");
        return new SoakReport.SiloRestart(soak.RestartOrder, silo.Name, name, Math.Round(stoppedAt, 1),
            Math.Round(stopSeconds, 2), Math.Round(startedAt, 1), Math.Round(report.StartToReadySeconds[^1], 2), Math.Round(readyMiB), active);

        // When the replacement's process started, and its memory once ready.
        async Task<(double AtSeconds, double ReadyMiB)> StartReplacementAsync()
        {
            var at = load.Now;
            Say($"SOAK: starting {name} to replace {silo.Name} at {at:0} s");
            var started = await StartSiloAsync(name);
            return (at, started.ResidentMiB());
        }
    }

    /// <summary>
    /// Long enough for the gateway's Orleans client to learn of a silo that became active: it reads the cluster's gateways
    /// every <c>Gateways:GatewayListRefreshPeriod</c> (src/Gateway/appsettings.json: 10 s), and only a silo on that list
    /// can take the calls of one that stops. (Nothing observable says when: while the old silos live, no client call
    /// reaches the new one.)
    /// </summary>
    private static readonly TimeSpan GatewayListRefresh = TimeSpan.FromSeconds(10 + 2);

    /// <summary>Orleans' count of the client messages a silo's gateway received, as its /metrics names it.</summary>
    private const string ClientMessagesCounter = "orleans_gateway_received_total";

    /// <summary>
    /// Each running silo's <see cref="ClientMessagesCounter"/>, by name; null when a silo does not answer its
    /// <c>/metrics</c> (an overloaded machine): the figure is then left out, not the run.
    /// </summary>
    private async Task<Dictionary<string, double>?> ClientMessagesAsync()
    {
        var counts = new Dictionary<string, double>();
        foreach (var silo in nodes.Where(IsSilo))
        {
            if (await ClientMessagesAsync(silo) is not { } count)
            {
                return null;
            }

            counts[silo.Name] = count;
        }

        return counts;
    }

    /// <summary>One silo's <see cref="ClientMessagesCounter"/>, in at most three tries; null, and said, when none answered.</summary>
    private static async Task<double?> ClientMessagesAsync(Node silo)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await silo.CounterAsync(ClientMessagesCounter);
            }
            catch (Exception exception) when ((exception is HttpRequestException or TaskCanceledException) && attempt == 3)
            {
                Say($"SOAK: {silo.Name} did not answer /metrics ({exception.GetType().Name}); client messages by silo left out");
                return null;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not this time: try again.
            }
        }
    }

    /// <summary>Each running node's resident memory, by name and pid (a restarted silo is a new pid).</summary>
    private Dictionary<(string Name, int Pid), double?> Resident() =>
        nodes.ToDictionary(node => (node.Name, node.ProcessId), node => (double?)node.ResidentMiB());

    private static bool IsSilo(Node node) => node.Name.StartsWith("silo", StringComparison.Ordinal);

    /// <summary>Starts silos until <paramref name="count"/> run, then waits until the cluster reports them active.</summary>
    private async Task<int> EnsureSilosAsync(int count)
    {
        while (nodes.Count(IsSilo) < count)
        {
            await StartSiloAsync($"silo{nodes.Count(IsSilo) + 1}");
        }

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var active = (await http!.GetFromJsonAsync<JsonNode>("/api/admin/cluster"))!["activeSilos"]!.GetValue<int>();
            if (active >= count)
            {
                return active;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{count} silos were not active within {StartTimeout.TotalSeconds:0} s ({active} were).");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// A rate's deal products: stock for about half the units its checkouts are expected to ask for (10 % of the
    /// operations, about 0.9 deal units each), so the deals sell out mid-run and checkouts compete for the last units.
    /// </summary>
    private async Task<SoakPlan> SoakPlanAsync(string prefix, string[] catalog, int rate, double minutes)
    {
        var checkouts = rate * minutes * 0.10;
        var stock = (int)Math.Max(10, Math.Ceiling(checkouts * 0.9 * 0.5 / SoakDeals));
        var deals = Enumerable.Range(0, SoakDeals).Select(i => $"{prefix.ToUpperInvariant()}-D{i}").ToArray();
        await CreateSoakProductsAsync(deals.Select(sku => (sku, stock, "deal")));
        return new SoakPlan(prefix, catalog, deals, SoakCustomers, SoakWords);
    }

    /// <summary>
    /// Creates products through the HTTP API, as an admin would (an existing SKU is fine): the bench's own Orleans client
    /// learns of silos only once a minute, so after a restart its list can hold none that is still running.
    /// </summary>
    private async Task CreateSoakProductsAsync(IEnumerable<(string Sku, int Stock, string Words)> products)
    {
        await Parallel.ForEachAsync(products, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (product, cancel) =>
        {
            using var created = await http!.PostAsJsonAsync("/api/products", new
            {
                sku = product.Sku,
                name = $"Soak {product.Words}",
                description = $"A {product.Words} product of the soak",
                price = 19.90m,
                currency = "USD",
                stock = product.Stock,
            }, cancel);
            if (!created.IsSuccessStatusCode && created.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                throw new InvalidOperationException($"Creating {product.Sku}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(cancel)}");
            }
        });
    }

    private static HttpClient SoakHttpClient(Uri gateway, int maxInFlight)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = maxInFlight, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        var client = new HttpClient(handler) { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };
        if (Environment.GetEnvironmentVariable("BENCH_TOKEN") is { Length: > 0 } token)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>
    /// After the load, from PostgreSQL: every stored order of the rate's customers grouped by its checkout key (more
    /// than one order for a key is a duplicate), and for each product the rate touched, units beyond its stock — held by
    /// the product's counters (reserved above on hand, sold above what it ever had) or by the stored orders that hold or
    /// took stock (awaiting payment, paid, shipped, delivered) — whichever is larger.
    /// </summary>
    private async Task<SoakReport.StoredChecks> SoakChecksAsync(SoakPlan plan, SoakLoad load)
    {
        // Orders whose answers were lost still finish their turn; give them a moment to be durable.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();

        var ordersByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var heldBySku = new Dictionary<string, long>(StringComparer.Ordinal);
        long stored = 0;
        long paidOrders = 0;
        await using (var orders = new NpgsqlCommand(
            "SELECT PayloadBinary FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = 'order' AND PayloadBinary IS NOT NULL", connection))
        {
            orders.Parameters.AddWithValue("service", id);
            await using var reader = await orders.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                using var order = JsonDocument.Parse((byte[])reader[0]);
                var root = order.RootElement;
                if (!root.GetProperty("customerId").GetString()!.StartsWith(plan.Prefix + "-", StringComparison.Ordinal))
                {
                    continue;
                }

                var status = root.GetProperty("status").GetString();
                if (status is "None" or "Placing")
                {
                    continue;
                }

                stored++;
                var key = root.GetProperty("checkoutKey").GetString()!;
                ordersByKey[key] = ordersByKey.GetValueOrDefault(key) + 1;
                if (status is "Paid" or "Shipped" or "Delivered")
                {
                    paidOrders++;
                }

                if (status is "PendingPayment" or "Paid" or "Shipped" or "Delivered")
                {
                    foreach (var line in root.GetProperty("lines").EnumerateArray())
                    {
                        var sku = line.GetProperty("sku").GetString()!;
                        heldBySku[sku] = heldBySku.GetValueOrDefault(sku) + line.GetProperty("quantity").GetInt64();
                    }
                }
            }
        }

        long oversold = 0;
        var oversoldProducts = new List<string>();
        var soldOut = 0;
        foreach (var sku in heldBySku.Keys.Union(plan.DealSkus))
        {
            var product = await database.StoredStateAsync(id, "product", sku);
            var onHand = product.GetProperty("onHand").GetInt64();
            var reserved = product.GetProperty("reserved").GetInt64();
            var sold = product.GetProperty("sold").GetInt64();
            var everHad = product.GetProperty("initialStock").GetInt64() + product.GetProperty("adjusted").GetInt64() + product.GetProperty("returned").GetInt64();
            var counters = Math.Max(0, reserved - onHand) + Math.Max(0, sold - everHad);
            var byOrders = Math.Max(0, heldBySku.GetValueOrDefault(sku) - everHad);
            var beyond = Math.Max(counters, byOrders);
            if (beyond > 0)
            {
                oversold += beyond;
                oversoldProducts.Add($"{sku}: {beyond}");
            }

            if (plan.DealSkus.Contains(sku) && onHand - reserved <= 0)
            {
                soldOut++;
            }
        }

        var duplicates = ordersByKey.Values.Sum(count => count - 1L);
        return new SoakReport.StoredChecks(stored, paidOrders, load.Paid, load.CheckoutKeysSent, duplicates, load.ClientDuplicates,
            oversold, oversoldProducts, soldOut, plan.DealSkus.Count);
    }
}
