using Xunit.Abstractions;

// The tests build networks and start a dozen processes each: one at a time keeps them within CI's two cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OrderActors.Hosts.Tests;

public sealed class JoinTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_added_from_a_new_host_as_documented_takes_work_and_leaves_on_sigterm_without_a_client_error()
    {
        await using var cluster = await HostCluster.StartAsync();
        await cluster.StartNodesAsync(silos: 3);
        var stock = (await cluster.CreateProductsAsync(4, stock: 5000, price: 2m)).ToDictionary(sku => sku, _ => 5000);
        var load = new CheckoutLoad([cluster.Api], [.. stock.Keys], 2m);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(workers: 6, stop.Token);
        await load.UntilPaidAsync(20);
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: 3 silos on 3 hosts serving the load; adding a fourth from a new host");

        // docs/operations.md, "Add a node", "On another machine": these settings, then scripts/add-silo.sh --foreground.
        var host = await cluster.Network.AddHostAsync("silo4");
        var environment = new Dictionary<string, string>(cluster.SiloEnvironment(host))
        {
            ["ORDERACTORS_API"] = cluster.Api.BaseAddress!.ToString().TrimEnd('/'),
            ["ORDERACTORS_CONFIGURATION"] = Repository.Configuration,
        };
        var addedAt = load.Clock.Elapsed;
        var added = cluster.StartCommand(host, "add-silo", ["scripts/add-silo.sh", "--foreground"], environment);
        bool IsAdded((string Address, string Status, int? Activations) silo) => silo.Address.StartsWith($"{host.Address}:{HostCluster.SiloPort}@");
        var joined = await cluster.WaitForSilosAsync(view => view.Any(s => IsAdded(s) && s.Status == "Active"), TimeSpan.FromSeconds(90), "the added silo joining");
        var atJoin = joined.Single(IsAdded).Activations ?? 0;
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: {host} is active, {(load.Clock.Elapsed - addedAt).TotalSeconds:F1} s after add-silo.sh started; {atJoin} activations");

        // New carts and orders are placed by load, so the added silo takes its share of them at once.
        var working = await cluster.WaitForSilosAsync(view => view.Single(IsAdded).Activations >= atJoin + 30, TimeSpan.FromSeconds(60), "the added silo taking work");
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: it holds {working.Single(IsAdded).Activations} activations; sending it SIGTERM");

        var leftAt = load.Clock.Elapsed;
        Assert.Equal(0, await added.TerminateAsync(TimeSpan.FromSeconds(60)));
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: it drained and exited 0 in {(load.Clock.Elapsed - leftAt).TotalSeconds:F1} s");
        await cluster.WaitForSilosAsync(view => view.Count(s => s.Status == "Active") == 3, TimeSpan.FromSeconds(60), "the cluster seeing it leave");
        await load.UntilPaidAsync(load.Paid + 20);
        await stop.CancelAsync();
        await running;

        var calls = load.Calls.ToList();
        output.WriteLine($"{load.Clock.Elapsed:mm\\:ss}: every call: {Promises.Summary(calls)}");
        output.WriteLine("while the silo joined, worked and left (seconds after add-silo.sh started):\n" +
                         Promises.Timeline(calls, addedAt, load.Clock.Elapsed, addedAt));
        Assert.All(calls, call => Assert.True(call.Status is 200 or 201, $"{call.Operation} answered {call.Status} at {call.At}"));
        await Promises.AssertKeptAsync(cluster, load, stock, output);
    }
}
