using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OrderActors.Grains.Abstractions;
using Orleans.Configuration;
using StackExchange.Redis;

namespace OrderActors.Bench;

/// <summary>
/// One benchmark run: starts its own silos, gateway and hello server on loopback (under a cluster and service id
/// of its own), runs the chosen scenarios for a bounded time, and reports each figure as a ratio taken within the run.
/// Each side of each ratio runs its own load unmeasured until steady (<see cref="WarmUp"/>) right before it is measured.
/// </summary>
public sealed partial class BenchRun(BenchSettings settings) : IAsyncDisposable
{
    private const string ReadSku = "BENCH-READ";
    private const string HotSku = "BENCH-HOT";
    private const string HotWarmupSku = "BENCH-HOT-WARMUP";
    private const string FlashSku = "BENCH-FLASH";
    private const int LargeStock = 100_000_000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    // An idle connection's statistics reach pg_stat_user_tables within 10 s.
    private static readonly TimeSpan StatisticsFlush = TimeSpan.FromSeconds(11);

    private readonly string id = $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..4]}";
    private readonly Database database = new(settings.Postgres);
    private readonly List<Node> nodes = [];
    private readonly Report report = new();
    private IHost? client;
    private HttpClient? http;

    private CpuMeter Cpu => new(nodes);

    private string LogDirectory => Path.Combine(Repository.Root, ".data", "bench-logs", id);

    private IGrainFactory Grains => client!.Services.GetRequiredService<IClusterClient>();

    public async Task<int> ExecuteAsync()
    {
        Directory.CreateDirectory(LogDirectory);
        report.Begin(id, settings);
        var warmUp = settings.WarmUp
            ? $"warm-up until two {settings.Steady.WindowSeconds} s windows differ by < {settings.Steady.StablePercent} % " +
              $"with the JIT under {settings.Steady.JitPercent} % of a core (at most {settings.Steady.CapSeconds} s)"
            : "no warm-up";
        Say($"run {id}: {string.Join(", ", settings.Scenarios)}; {warmUp} and {settings.Seconds} s " +
            $"measurement per side (R1's and R2's sides in {settings.Rounds} rounds, in turns), concurrency {settings.Concurrency}, logs in {LogDirectory}");
        await database.EnsureExistsAsync();

        var silo = await StartSiloAsync("silo1");
        var gateway = Start("gateway", GatewayEnvironment(), Repository.Process("Gateway"));
        await gateway.WaitReadyAsync("/health/ready", StartTimeout);
        client = await ConnectClientAsync();
        http = NewHttpClient(gateway.Address);

        await Task.Delay(TimeSpan.FromSeconds(3));
        report.MemoryIdleMiB = silo.ResidentMiB();
        Say($"silo idle: {report.MemoryIdleMiB:0} MiB resident");

        await CreateProductAsync(ReadSku, 1000);
        await CreateProductAsync(HotSku, LargeStock);
        await CreateProductAsync(HotWarmupSku, LargeStock);
        await CreateProductAsync(FlashSku, LargeStock);

        if (settings.Runs("R1"))
        {
            await ReadPathAsync(gateway);
        }

        if (settings.Runs("R3"))
        {
            await HotProductAsync();
        }

        if (settings.Runs("R2") || settings.Runs("R4"))
        {
            await ActivateCartsAsync(silo);
        }

        if (settings.Runs("R2"))
        {
            await WritePathAsync(gateway);
        }

        if (settings.Runs("R4"))
        {
            await FlashSaleAsync();
        }

        if (settings.Runs("R5"))
        {
            await ScaleOutAsync(gateway);
        }

        if (settings.Runs("FRESH"))
        {
            await FreshProcessAsync();
        }

        if (settings.Runs("SOAK"))
        {
            await SoakAsync(gateway);
        }

        report.End();
        // SOAK alone writes only soak.json and soak.png: an empty results.json would replace the ratios of the last full run.
        if (settings.Scenarios.Any(scenario => scenario != "SOAK"))
        {
            await report.WriteAsync(settings.OutputDirectory);
        }

        return 0;
    }

    /// <summary>
    /// R1: GET of an active product through the gateway ÷ a bare Kestrel JSON hello-world; same wrk settings. Twice: as
    /// clients get it, from the gateways' shared cache (one miss per TTL), and with <c>Cache-Control: no-cache</c>, every
    /// request answered by the product grain. And the hello-world behind ASP.NET Core output caching alone: what a
    /// cache hit through that middleware can reach here, with none of the gateway's other work.
    /// </summary>
    private async Task ReadPathAsync(Node gateway)
    {
        var hello = Start("hello", new Dictionary<string, string>(), "dotnet", typeof(BenchRun).Assembly.Location, "hello");
        // "hello2": its CPU is counted as the hello-world role's (the two never run load at once).
        var cachedHello = Start("hello2", new Dictionary<string, string>(), "dotnet", typeof(BenchRun).Assembly.Location, "hello", HelloServer.Cached);
        await hello.WaitReadyAsync("/", StartTimeout);
        await cachedHello.WaitReadyAsync("/", StartTimeout);
        var product = new Uri(gateway.Address, $"/api/products/{ReadSku}");
        var sides = await InTurnsAsync(
            new Side(seconds => Wrk.RunAsync(product, settings.Concurrency, seconds, settings.Token)),
            new Side(seconds => Wrk.RunAsync(product, settings.Concurrency, seconds, settings.Token, header: "Cache-Control: no-cache")),
            new Side(seconds => Wrk.RunAsync(cachedHello.Address, settings.Concurrency, seconds, settings.Token)),
            new Side(seconds => Wrk.RunAsync(hello.Address, settings.Concurrency, seconds, settings.Token)));
        var (hit, miss, ceiling, baseline) = (sides[0], sides[1], sides[2], sides[3]);
        report.Add("R1", "read path: GET product (cache hit) ÷ Kestrel hello-world", "req/s", hit, baseline, 0.6,
            "wrk -t2, same connections, warm-up and duration on both sides; served from the gateway's response cache (its memory level)");
        report.Add("R1-miss", "read path: GET product (cache bypassed) ÷ Kestrel hello-world", "req/s", miss, baseline, 0.35,
            "as R1 with Cache-Control: no-cache: every request reaches the product grain");
        report.Add("R1-ceiling", "Kestrel hello-world behind output caching only (memory) ÷ Kestrel hello-world", "req/s", ceiling, baseline, null,
            "what a cache hit through ASP.NET Core output caching reaches with no other middleware: R1's hit target is measured against the bare hello-world");
    }

    /// <summary>
    /// R3: durable reservations per second on one product by many concurrent callers (Orleans client → product grain)
    /// ÷ the lock design in pgbench. Both sides are checked afterwards against what PostgreSQL holds.
    /// </summary>
    private async Task HotProductAsync()
    {
        // The warm-up reserves on a product of its own: reservations stay in a product's state, and the measured
        // product starts as empty as the lock design's row.
        var warm = await WarmUp.RunAsync(settings, Cpu, seconds => ReserveAsync(HotWarmupSku, seconds));
        var writesBefore = await database.StoredVersionAsync(id, "product", HotSku);
        var actors = await Cpu.MeasureAsync(() => ReserveAsync(HotSku, settings.Seconds)) with { WarmUp = warm };

        var stored = await database.StoredStateAsync(id, "product", HotSku);
        var writes = await database.StoredVersionAsync(id, "product", HotSku) - writesBefore;
        var reserved = stored.GetProperty("reserved").GetInt64();
        var onHand = stored.GetProperty("onHand").GetInt64();
        var actorsOversold = Math.Max(0, reserved - onHand) + Math.Abs(reserved - actors.Count);

        var reset = () => RefillLockStockAsync(1);
        await reset();
        var baseline = await WarmedAsync(seconds => PgBench.RunAsync(settings.Postgres, """
            BEGIN;
            SELECT qty FROM bench_stock WHERE id = 1 FOR UPDATE \gset
            \if :qty > 0
            UPDATE bench_stock SET qty = qty - 1 WHERE id = 1;
            \endif
            COMMIT;
            """, settings.Concurrency, seconds), reset);
        var sold = LargeStock - await database.ScalarAsync("SELECT qty FROM bench_stock WHERE id = 1");
        var lockOversold = Math.Abs(sold - baseline.Count);

        report.HotProduct = new(actors.Count, writes, stored.GetProperty("reservations").EnumerateObject().Count(), actorsOversold, sold, lockOversold);
        report.Add("R3", "hot product: durable reservations/s on one product ÷ SELECT FOR UPDATE", "res/s", actors, baseline, 15,
            $"{actors.Count} reservations in {writes} storage writes ({actors.Count / (double)Math.Max(1, writes):0.0} per write); " +
            $"stored reserved = acknowledged: {reserved == actors.Count}, oversold {actorsOversold} vs lock design oversold {lockOversold}; refused {actors.Errors}");
    }

    /// <summary>
    /// An active cart: a cart grain activated on the silo and holding one persisted line (SetQuantity, which also
    /// registers its idle-expiry reminder). Half of them are R2's carts, the other half R4's customers.
    /// </summary>
    private async Task ActivateCartsAsync(Node silo)
    {
        long next = -1;
        var clock = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(Math.Max(60, settings.Carts / 500));
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < settings.Carts && clock.Elapsed < limit)
            {
                var result = await Grains.GetGrain<ICartGrain>(CartId(i)).SetQuantity(FlashSku, 1);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"Cart {i}: {result.Error}");
                }
            }
        }));
        report.CartsActivated = (int)Math.Min(settings.Carts, next);
        report.CartsSeconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(3));
        report.MemoryCartsMiB = silo.ResidentMiB();
        Say($"{report.CartsActivated} active carts in {report.CartsSeconds:0} s; silo: {report.MemoryCartsMiB:0} MiB resident");
    }

    /// <summary>
    /// R2: PUT of a cart line (persisted before the reply) across R2's half of the active carts ÷ pgbench running
    /// the WriteToStorageKey statement from OrleansQuery with a real stored cart payload, one row per client.
    /// </summary>
    private async Task WritePathAsync(Node gateway)
    {
        var first = report.CartsActivated / 2;
        var script = await LuaAsync("put", $$"""
            local n = 0
            function setup(thread) thread:set("seed", math.random(1000000)) end
            -- Headers go into wrk.headers: a table passed to wrk.format would replace them, token included.
            function init(args) math.randomseed(os.time() + seed); wrk.headers["Content-Type"] = "application/json" end
            function request()
              n = n + 1
              local cart = math.random({{first}}, {{report.CartsActivated - 1}})
              return wrk.format("PUT", "/api/carts/{{CartPrefix}}" .. cart .. "/items/{{FlashSku}}", nil, '{"quantity":' .. (n % 9 + 1) .. '}')
            end
            """);
        var payload = await database.AnyPayloadAsync(id, "cart");
        var service = id + "-pgbench";
        await database.ExecuteAsync($"""
            INSERT INTO OrleansStorage (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString, GrainIdHash, GrainTypeHash, PayloadBinary, Version)
            SELECT '{service}', 'cart', 0, 0, 'pgbench-' || c, 0, 0, '\x{Convert.ToHexString(payload)}'::bytea, 1
            FROM generate_series(1, {settings.Concurrency}) c;
            """);
        var write = (await database.QueryTextAsync("WriteToStorageKey")).Trim().TrimEnd(';');
        var parameters = new Dictionary<string, string>
        {
            ["PayloadBinary"] = $"'\\x{Convert.ToHexString(payload)}'::bytea",
            ["GrainIdHash"] = "0",
            ["GrainTypeHash"] = "0",
            ["GrainStateVersion"] = ":version::int",
            ["ServiceId"] = $"'{service}'::text",
            ["GrainTypeString"] = "'cart'::text",
            ["GrainIdN0"] = "0::bigint",
            ["GrainIdN1"] = "0::bigint",
            ["GrainIdExtensionString"] = "('pgbench-' || :client_id + 1)::text",
        };
        var statement = System.Text.RegularExpressions.Regex.Replace(write, @"@(\w+)", m => parameters[m.Groups[1].Value]);
        // Each client writes its own row and carries the version the statement returns into its next write,
        // as a grain carries its ETag: the same statement, the same version check, no extra read.
        // After each window every row is back at version 1, where each client's first write of the next expects it.
        var sides = await InTurnsAsync(
            new Side(seconds => Wrk.RunAsync(gateway.Address, settings.Concurrency, seconds, settings.Token, script)),
            new Side(
                seconds => PgBench.RunAsync(settings.Postgres, statement + " \\gset\n\\set version :newgrainstateversion\n",
                    settings.Concurrency, seconds, "version=1"),
                () => database.ExecuteAsync($"UPDATE OrleansStorage SET Version = 1 WHERE ServiceId = '{service}'")));
        var (actors, baseline) = (sides[0], sides[1]);
        var stale = await database.ScalarAsync(
            "SELECT count(*) FROM OrleansStorage WHERE ServiceId = @service AND Version = 1", ("service", service));
        report.Add("R2", "write path: PUT cart line ÷ pgbench WriteToStorageKey", "req/s", actors, baseline, 0.6,
            $"{report.CartsActivated - first} carts; payload {payload.Length} bytes; pgbench rows never written: {stale}");
    }

    /// <summary>
    /// R4: checkout + pay of a one-line cart on one product by many customers over HTTP, each with an idempotency key and
    /// durable before its answer, ÷ the lock design with the same promises (<see cref="FairLockOrdersAsync"/>).
    /// R4-lite: the same orders ÷ the lock design's whole order in one transaction, without idempotency or payment.
    /// Counts the durable writes one order costs.
    /// </summary>
    private async Task FlashSaleAsync()
    {
        var customers = report.CartsActivated / 2;
        long next = -1;
        // Checkout + pay for the given time, each order on the next prepared cart (warm-up and measurement alike).
        async Task<Measurement> OrdersAsync(int seconds)
        {
            var latencies = new ConcurrentBag<double>();
            return await TimedAsync(settings.Concurrency, seconds, async () =>
            {
                var customer = Interlocked.Increment(ref next);
                if (customer >= customers)
                {
                    throw new InvalidOperationException($"R4 ran out of prepared carts ({customers}); raise BENCH_CARTS.");
                }

                var started = Stopwatch.GetTimestamp();
                if (!await OrderAsync(CartId(customer)))
                {
                    return false;
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return true;
            }, latencies);
        }

        var warm = await WarmUp.RunAsync(settings, Cpu, OrdersAsync);
        // The write counts start once earlier writes (the warm-up's, the carts' reminders) are in pg_stat_user_tables.
        await Task.Delay(StatisticsFlush);

        var storageBefore = await database.StorageWritesAsync(id);
        var remindersBefore = await database.TableWritesAsync("orleansreminders");
        var productBefore = await database.StoredStateAsync(id, "product", FlashSku);
        var actors = await Cpu.MeasureAsync(() => OrdersAsync(settings.Seconds)) with { WarmUp = warm };
        var ended = Stopwatch.StartNew();

        var product = await database.StoredStateAsync(id, "product", FlashSku);
        var sold = product.GetProperty("sold").GetInt64() - productBefore.GetProperty("sold").GetInt64();
        var actorsOversold = Math.Max(0, product.GetProperty("reserved").GetInt64() - product.GetProperty("onHand").GetInt64())
            + Math.Abs(sold - actors.Count);

        var reset = async () =>
        {
            await RefillLockStockAsync(2);
            await database.ExecuteAsync("""
                DROP TABLE IF EXISTS bench_orders;
                CREATE TABLE bench_orders (id bigserial PRIMARY KEY, customer int NOT NULL, sku int NOT NULL, quantity int NOT NULL,
                  amount numeric(12, 2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
                """);
        };
        await reset();
        var baseline = await WarmedAsync(seconds => PgBench.RunAsync(settings.Postgres, """
            \set customer random(1, 1000000)
            BEGIN;
            SELECT qty FROM bench_stock WHERE id = 2 FOR UPDATE \gset
            \if :qty > 0
            UPDATE bench_stock SET qty = qty - 1 WHERE id = 2;
            INSERT INTO bench_orders (customer, sku, quantity, amount, status) VALUES (:customer, 2, 1, 49.90, 'Paid');
            \endif
            COMMIT;
            """, settings.Concurrency, seconds), reset);
        var lockSold = LargeStock - await database.ScalarAsync("SELECT qty FROM bench_stock WHERE id = 2");
        var lockOrders = await database.ScalarAsync("SELECT count(*) FROM bench_orders");
        var lockOversold = Math.Abs(lockSold - lockOrders) + Math.Abs(lockOrders - baseline.Count);
        var (fair, fairOversold) = await FairLockOrdersAsync();

        // Statistics of idle connections reach pg_stat_user_tables within 10 s; the pgbench runs above took most of it.
        var wait = StatisticsFlush - ended.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var storageAfter = await database.StorageWritesAsync(id);
        var reminders = await database.TableWritesAsync("orleansreminders") - remindersBefore;
        var orders = Math.Max(1, actors.Count);
        var byGrain = Database.WritesPerOrder(storageBefore, storageAfter, orders);
        var storage = byGrain.Values.Sum();
        report.FlashSale = new(actors.Count, actors.Errors, storage, reminders / (double)orders, actorsOversold, lockOversold, fairOversold, byGrain);
        var writes = $"{storage:0.00} storage ({SoakReport.ByGrain(byGrain)}) " +
                     $"+ {reminders / (double)orders:0.00} reminder writes per order";
        report.Add("R4", "flash sale: checkout + pay on one product ÷ lock design, same promises", "orders/s", actors, fair, 1.5,
            $"{writes} vs 2 transactions (checkout: key, stock, order; pay: key, order, stock); " +
            $"oversold {actorsOversold} vs {fairOversold}; failed orders {actors.Errors}");
        report.Add("R4-lite", "flash sale: checkout + pay on one product ÷ lock design's order, no keys, no payment", "orders/s",
            actors, baseline, null, $"{writes} vs 1 transaction (2 rows); oversold {actorsOversold} vs {lockOversold}; failed orders {actors.Errors}");
    }

    /// <summary>
    /// R4's baseline: the lock design keeping OrderActors' promises, in pgbench, one script run per order. Checkout is
    /// one transaction (look up its idempotency key, lock and update the stock row, insert the order, store the key
    /// with its answer); payment is a second (look up its key, lock the order and mark it paid, move the unit from
    /// reserved to sold, store the key). Each commits before the next step, as each HTTP answer waits for its write.
    /// Returns the measurement and how far the stored rows are from the committed orders (0 when none was oversold).
    /// </summary>
    private async Task<(Measurement Baseline, long Oversold)> FairLockOrdersAsync()
    {
        var reset = () => database.ExecuteAsync($"""
            DROP TABLE IF EXISTS bench_r4_stock, bench_r4_orders, bench_r4_checkout_keys, bench_r4_payment_keys;
            CREATE TABLE bench_r4_stock (sku int PRIMARY KEY, available int NOT NULL CHECK (available >= 0),
              reserved int NOT NULL CHECK (reserved >= 0), sold int NOT NULL);
            INSERT INTO bench_r4_stock VALUES (1, {LargeStock}, 0, 0);
            CREATE TABLE bench_r4_orders (id bigserial PRIMARY KEY, customer int NOT NULL, sku int NOT NULL, quantity int NOT NULL,
              amount numeric(12, 2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), paid_at timestamptz);
            CREATE TABLE bench_r4_checkout_keys (key text PRIMARY KEY, order_id bigint NOT NULL);
            CREATE TABLE bench_r4_payment_keys (key text PRIMARY KEY, order_id bigint NOT NULL);
            """);
        await reset();
        // Keys are unique per client and run (n counts the client's orders), as the HTTP side sends a new one per request.
        var baseline = await WarmedAsync(seconds => PgBench.RunAsync(settings.Postgres, """
            \set customer random(1, 1000000)
            \set n :n + 1
            BEGIN;
            SELECT count(*) AS seen FROM bench_r4_checkout_keys WHERE key = 'checkout-' || :client_id::text || '-' || :n::text \gset
            SELECT available FROM bench_r4_stock WHERE sku = 1 FOR UPDATE \gset
            \if :seen = 0 AND :available > 0
            UPDATE bench_r4_stock SET available = available - 1, reserved = reserved + 1 WHERE sku = 1;
            INSERT INTO bench_r4_orders (customer, sku, quantity, amount, status) VALUES (:customer, 1, 1, 49.90, 'PendingPayment') RETURNING id AS order_id \gset
            INSERT INTO bench_r4_checkout_keys VALUES ('checkout-' || :client_id::text || '-' || :n::text, :order_id);
            \endif
            COMMIT;
            \if :seen = 0 AND :available > 0
            BEGIN;
            SELECT count(*) AS seen FROM bench_r4_payment_keys WHERE key = 'pay-' || :client_id::text || '-' || :n::text \gset
            SELECT (status = 'PendingPayment')::int AS payable FROM bench_r4_orders WHERE id = :order_id FOR UPDATE \gset
            \if :seen = 0 AND :payable = 1
            UPDATE bench_r4_orders SET status = 'Paid', paid_at = now() WHERE id = :order_id;
            UPDATE bench_r4_stock SET reserved = reserved - 1, sold = sold + 1 WHERE sku = 1;
            INSERT INTO bench_r4_payment_keys VALUES ('pay-' || :client_id::text || '-' || :n::text, :order_id);
            \endif
            COMMIT;
            \endif
            """, settings.Concurrency, seconds, "n=0"), reset);

        var sold = await database.ScalarAsync("SELECT sold FROM bench_r4_stock");
        var paid = await database.ScalarAsync("SELECT count(*) FROM bench_r4_orders WHERE status = 'Paid'");
        var keys = await database.ScalarAsync("SELECT (SELECT count(*) FROM bench_r4_checkout_keys) + (SELECT count(*) FROM bench_r4_payment_keys)");
        var stranded = await database.ScalarAsync(
            "SELECT reserved + abs(available + reserved + sold - @stock) FROM bench_r4_stock", ("stock", (long)LargeStock));
        var oversold = Math.Abs(sold - paid) + Math.Abs(paid - baseline.Count) + Math.Abs(keys - 2 * paid) + stranded;
        return (baseline, oversold);
    }

    /// <summary>R5: the same mixed HTTP workload (60% product reads, 30% cart writes, 10% cart reads) on 2 silos ÷ 1 silo.</summary>
    private async Task ScaleOutAsync(Node gateway)
    {
        var one = await MixedAsync(gateway, "mix1");
        await StartSiloAsync("silo2");
        var deadline = Stopwatch.StartNew();
        while ((await http!.GetFromJsonAsync<JsonNode>("/api/admin/cluster"))!["activeSilos"]!.GetValue<int>() < 2)
        {
            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException("The second silo did not join the cluster.");
            }

            await Task.Delay(250);
        }

        var two = await MixedAsync(gateway, "mix2");
        report.Add("R5", "scale-out: mixed workload on 2 silos ÷ 1 silo", "req/s", two, one, null,
            $"{Environment.ProcessorCount} cores shared by wrk, the gateway, the silos and PostgreSQL; fresh grains per run so the second spreads over both silos");
    }

    private async Task<Measurement> MixedAsync(Node gateway, string prefix)
    {
        const int products = 50;
        const int carts = 5000;
        for (var p = 0; p < products; p++)
        {
            await CreateProductAsync($"{prefix}-p{p}", LargeStock);
        }

        var script = await LuaAsync(prefix, $$"""
            function setup(thread) thread:set("seed", math.random(1000000)) end
            function init(args) math.randomseed(os.time() + seed); wrk.headers["Content-Type"] = "application/json" end
            function request()
              local r = math.random(100)
              local sku = "{{prefix}}-p" .. math.random(0, {{products - 1}})
              local cart = "/api/carts/{{prefix}}-c" .. math.random(0, {{carts - 1}})
              if r <= 60 then return wrk.format("GET", "/api/products/" .. sku) end
              if r <= 90 then
                return wrk.format("PUT", cart .. "/items/" .. sku, nil, '{"quantity":' .. math.random(1, 9) .. '}')
              end
              return wrk.format("GET", cart)
            end
            """);
        return await WarmedAsync(seconds => Wrk.RunAsync(gateway.Address, settings.Concurrency, seconds, settings.Token, script));
    }

    /// <summary>
    /// One side of a ratio: <paramref name="load"/> unmeasured until steady (JIT tiering, pools and caches settle), with
    /// <paramref name="reset"/> after each warm-up window when the load changes what the measurement checks, then
    /// <paramref name="load"/> measured once for BENCH_SECONDS (the sides of R3, R4 and R5, whose loads change what
    /// their checks read or whose baselines run apart). The sides of R1 and R2 take turns instead (<see cref="InTurnsAsync(Side[])"/>); every side's
    /// warm-up and measurement go through <see cref="InTurnsAsync(int, Side[])"/>.
    /// </summary>
    private async Task<Measurement> WarmedAsync(Func<int, Task<Measurement>> load, Func<Task>? reset = null) =>
        (await InTurnsAsync(rounds: 1, new Side(load, reset)))[0];

    /// <summary>
    /// The sides of a ratio (or of several sharing a baseline) measured in turns: each warmed up as
    /// <see cref="WarmedAsync"/> does, then BENCH_ROUNDS rounds in which each side in order runs BENCH_SECONDS measured,
    /// each side's rounds combined (<see cref="Measurement.Combine"/>). Whatever else slows the machine for a while then
    /// falls on every side instead of on whichever ran at the time.
    /// </summary>
    private Task<Measurement[]> InTurnsAsync(params Side[] sides) => InTurnsAsync(settings.Rounds, sides);

    private async Task<Measurement[]> InTurnsAsync(int rounds, params Side[] sides)
    {
        var warm = new List<WarmUpResult?>();
        foreach (var side in sides)
        {
            warm.Add(await WarmUp.RunAsync(settings, Cpu, side.Load, side.Reset));
        }

        var measured = sides.Select(_ => new List<Measurement>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                measured[i].Add(await Cpu.MeasureAsync(() => sides[i].Load(settings.Seconds)));
                if (sides[i].Reset is { } reset && round < rounds - 1)
                {
                    await reset();
                }
            }
        }

        return [.. measured.Select((side, i) => Measurement.Combine(side) with { WarmUp = warm[i] })];
    }

    /// <summary>
    /// One side of a ratio: its load for the seconds given, and what puts back what the load changed (stock rows,
    /// stored versions) before its next window, when the measurement depends on it.
    /// </summary>
    private sealed record Side(Func<int, Task<Measurement>> Load, Func<Task>? Reset = null);

    /// <summary>
    /// Durable reservations of one unit each on one product, by BENCH_CONCURRENCY callers, for the given time; a refused
    /// reservation counts as an error.
    /// </summary>
    private async Task<Measurement> ReserveAsync(string sku, int seconds)
    {
        var product = Grains.GetGrain<IProductGrain>(sku);
        var latencies = new ConcurrentBag<double>();
        return await TimedAsync(settings.Concurrency, seconds, async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var reservation = Guid.NewGuid().ToString("N");
            var result = await product.Reserve(reservation, 1);
            if (!result.IsSuccess)
            {
                return false;
            }

            // What an order does once it has recorded the reservation (one-way).
            await product.Acknowledge(reservation, ReservationStage.Reserved);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }, latencies);
    }

    /// <summary>The lock design's stock row <paramref name="row"/>, full again (the table is made on first use).</summary>
    private Task RefillLockStockAsync(int row) => database.ExecuteAsync($"""
        CREATE TABLE IF NOT EXISTS bench_stock (id int PRIMARY KEY, qty int NOT NULL CHECK (qty >= 0));
        INSERT INTO bench_stock VALUES ({row}, {LargeStock}) ON CONFLICT (id) DO UPDATE SET qty = EXCLUDED.qty;
        """);

    /// <summary>Checkout then pay, each with its own idempotency key; true when both succeeded.</summary>
    private async Task<bool> OrderAsync(string customer)
    {
        using var checkout = new HttpRequestMessage(HttpMethod.Post, $"/api/carts/{customer}/checkout");
        checkout.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var placed = await http!.SendAsync(checkout);
        if (!placed.IsSuccessStatusCode)
        {
            return false;
        }

        var order = (await placed.Content.ReadFromJsonAsync<JsonNode>())!;
        using var pay = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{order["orderId"]}/pay")
        {
            Content = JsonContent.Create(new { amount = order["total"]!.GetValue<decimal>() }),
        };
        pay.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var paid = await http.SendAsync(pay);
        return paid.IsSuccessStatusCode;
    }

    /// <summary>Runs <paramref name="concurrency"/> callers in a loop for <paramref name="seconds"/>; counts the successes.</summary>
    private static async Task<Measurement> TimedAsync(int concurrency, int seconds, Func<Task<bool>> operation, ConcurrentBag<double> latencies)
    {
        long succeeded = 0;
        long failed = 0;
        var clock = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                if (await operation())
                {
                    Interlocked.Increment(ref succeeded);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var sorted = latencies.Order().ToArray();
        return new Measurement(succeeded / elapsed, PgBench.Percentile(sorted, 0.5), PgBench.Percentile(sorted, 0.99), succeeded, failed);
    }

    private async Task CreateProductAsync(string sku, int stock)
    {
        var result = await Grains.GetGrain<IProductGrain>(sku).Create(new CreateProduct("Benchmark product", "Created by bench", 49.90m, "USD", stock));
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"Creating {sku}: {result.Error}");
        }
    }

    private async Task<Node> StartSiloAsync(string name)
    {
        var silo = Start(name, SiloEnvironment(), Repository.Process("Silo"));
        var ready = await silo.WaitReadyAsync("/health/ready", StartTimeout);
        report.StartToReadySeconds.Add(ready.TotalSeconds);
        Say($"{name} ready {ready.TotalSeconds:0.00} s after its process started");
        return silo;
    }

    private Node Start(string name, IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        var node = Node.Start(name, LogDirectory, environment, command);
        nodes.Add(node);
        return node;
    }

    private Dictionary<string, string> SiloEnvironment() => new()
    {
        ["ConnectionStrings__Postgres"] = settings.Postgres,
        ["ConnectionStrings__Redis"] = settings.Redis,
        ["Orleans__ClusterId"] = id,
        ["Orleans__ServiceId"] = id,
        ["Orleans__SiloPort"] = Node.FreePort().ToString(),
        ["Orleans__GatewayPort"] = Node.FreePort().ToString(),
        ["DOTNET_ENVIRONMENT"] = "Production",
    };

    private Dictionary<string, string> GatewayEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = settings.Redis,
            ["Orleans__ClusterId"] = id,
            ["Orleans__ServiceId"] = id,
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings.GatewayEnvironment)
        {
            environment[key] = value;
        }

        return environment;
    }

    private async Task<IHost> ConnectClientAsync()
    {
        // Its content root is its own folder, not the working directory (the repository): the host watches its content
        // root for configuration changes, and under the repository that is every write of the local PostgreSQL and of
        // the nodes' logs (.data), which cost this process ~2 % of the machine in a file-watcher thread (R4, 4 December).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(orleans =>
        {
            orleans.Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (id, id));
            orleans.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(settings.Redis));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private HttpClient NewHttpClient(Uri gateway)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency };
        var client = new HttpClient(handler) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        if (settings.Token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        return client;
    }

    private async Task<string> LuaAsync(string name, string script)
    {
        var path = Path.Combine(LogDirectory, name + ".lua");
        await File.WriteAllTextAsync(path, script);
        return path;
    }

    private const string CartPrefix = "bench-cart-";

    private static string CartId(long i) => CartPrefix + i;

    private static void Say(string message) => Console.WriteLine($"bench: {message}");

    public async ValueTask DisposeAsync()
    {
        http?.Dispose();
        if (client is not null)
        {
            await client.StopAsync();
            client.Dispose();
        }

        // Gateway and hello first, then the silos, as an operator would stop them.
        foreach (var node in Enumerable.Reverse(nodes))
        {
            await node.DisposeAsync();
        }

        await database.DeleteServiceAsync(id);
    }
}
