using System.Diagnostics;
using System.Net.Http.Headers;

namespace OrderActors.Bench;

public sealed partial class BenchRun
{
    /// <summary>
    /// FRESH: what a process started under load costs an operator adding a node. The load (GET of a product with the
    /// cache bypassed, so every request reaches the product grain) runs on the first gateway until steady; a second
    /// gateway is started beside it and, once ready, gets a load of its own of the same size: its start to ready, start
    /// to steady (the warm-up's rule, <see cref="WarmUp"/>) and share of all answers in its first 5 s. Then, with both
    /// loads still running, one more silo is started: its start to ready.
    /// </summary>
    private async Task FreshProcessAsync()
    {
        var rule = settings.Steady;
        // Every load here ends by itself: the steady rule has a cap, and this backstop stops the callers in any case.
        using var stop = new CancellationTokenSource(2 * TimeSpan.FromSeconds(rule.CapSeconds) + 3 * StartTimeout);
        var running = new RequestLoop(http!, $"/api/products/{ReadSku}", settings.Concurrency);
        var loads = new List<Task> { running.RunAsync(stop.Token) };
        try
        {
            var runningWarmUp = await WarmUp.UntilSteadyAsync(rule, Cpu, seconds => running.RateOverAsync(seconds));
            Say($"FRESH: the running gateway is steady ({runningWarmUp}); starting a second gateway");

            var fresh = Start("gateway2", GatewayEnvironment(), Repository.Process("Gateway"));
            var ready = await fresh.WaitReadyAsync("/health/ready", StartTimeout);
            using var freshHttp = NewHttpClient(fresh.Address);
            var newcomer = new RequestLoop(freshHttp, $"/api/products/{ReadSku}", settings.Concurrency);
            var sinceReady = Stopwatch.StartNew();
            loads.Add(newcomer.RunAsync(stop.Token));
            var share = ShareOfFirstSecondsAsync(newcomer, running);
            var runningRate = 0.0;
            var windows = await WarmUp.UntilSteadyAsync(rule, Cpu, async seconds =>
            {
                var (mine, theirs) = await RequestLoop.RatesOverAsync(newcomer, running, seconds);
                runningRate = theirs;
                return mine;
            });
            var startToSteady = ready + sinceReady.Elapsed;
            var firstShare = await share;
            Say($"FRESH: gateway2 ready {ready.TotalSeconds:0.00} s and steady {startToSteady.TotalSeconds:0.0} s after its " +
                $"process started ({windows}); {firstShare * 100:0} % of the answers in its first {Report.FreshProcessCheck.FirstSeconds} s");

            var silos = nodes.Count(node => node.Name.StartsWith("silo", StringComparison.Ordinal));
            await StartSiloAsync($"silo{silos + 1}");
            // StartSiloAsync records every silo's start to ready; this one is the last.
            var siloReady = report.StartToReadySeconds[^1];

            await stop.CancelAsync();
            await Task.WhenAll(loads);
            report.Fresh = new(runningWarmUp, ready.TotalSeconds, startToSteady.TotalSeconds, windows,
                windows.WindowsPerSecond[^1], runningRate, firstShare, siloReady, running.Failed + newcomer.Failed);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loads);
        }
    }

    /// <summary>The newcomer's share of both gateways' answers over its first seconds of load.</summary>
    private static async Task<double> ShareOfFirstSecondsAsync(RequestLoop newcomer, RequestLoop running)
    {
        var (mine, theirs) = await RequestLoop.RatesOverAsync(newcomer, running, Report.FreshProcessCheck.FirstSeconds);
        return mine + theirs > 0 ? mine / (mine + theirs) : 0;
    }

    /// <summary>
    /// Callers sending the same GET in a loop until stopped, counting answers as they come, so a rate can be read over
    /// any stretch while the load goes on (wrk reports only at its end).
    /// </summary>
    private sealed class RequestLoop(HttpClient http, string path, int callers)
    {
        private long answered;
        private long failed;

        public long Failed => Interlocked.Read(ref failed);

        private long Answered => Interlocked.Read(ref answered);

        public Task RunAsync(CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                    using var response = await http.SendAsync(request, stop);
                    Interlocked.Increment(ref response.IsSuccessStatusCode ? ref answered : ref failed);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));

        /// <summary>Answers per second over the next <paramref name="seconds"/>.</summary>
        public async Task<double> RateOverAsync(int seconds) => (await RatesOverAsync(this, this, seconds)).Mine;

        /// <summary>Answers per second of both loops over the same <paramref name="seconds"/>.</summary>
        public static async Task<(double Mine, double Theirs)> RatesOverAsync(RequestLoop mine, RequestLoop theirs, int seconds)
        {
            var (mineBefore, theirsBefore) = (mine.Answered, theirs.Answered);
            var clock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(seconds));
            var elapsed = clock.Elapsed.TotalSeconds;
            return ((mine.Answered - mineBefore) / elapsed, (theirs.Answered - theirsBefore) / elapsed);
        }
    }
}
