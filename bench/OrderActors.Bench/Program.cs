using OrderActors.Bench;

// "hello": the bare Kestrel baseline of R1, run as its own process. Anything else: the whole benchmark.
if (args is ["hello", ..])
{
    await HelloServer.RunAsync(args[1..]);
    return 0;
}

var settings = BenchSettings.FromEnvironment(args);
await using var run = new BenchRun(settings);
return await run.ExecuteAsync();
