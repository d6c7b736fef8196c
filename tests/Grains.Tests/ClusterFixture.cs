using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Webhooks;
using OrderActors.Silo.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace OrderActors.Grains.Tests;

/// <summary>
/// An in-process Orleans cluster with memory storage (through the production serializer) that fails on demand, the
/// silo's rule for failed writes, and memory reminders whose removals fail on demand.
/// </summary>
public abstract class ClusterFixture<TSilo> : IAsyncLifetime
    where TSilo : ISiloConfigurator, new()
{
    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(1);
        builder.AddSiloBuilderConfigurator<TSilo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <param name="silo">The silo to configure.</param>
    /// <param name="paymentWindow">How long orders wait for payment.</param>
    /// <param name="cartIdleTime">How long carts live untouched (keys are kept half as long).</param>
    /// <param name="orders">Changes to the order options set here (audits after one second, acknowledgements written after 50 ms).</param>
    /// <param name="storageLatency">How long storage takes to answer each read and write (none by default).</param>
    protected static void ConfigureSilo(
        ISiloBuilder silo, TimeSpan paymentWindow, TimeSpan cartIdleTime, Action<OrderOptions>? orders = null, TimeSpan storageLatency = default)
    {
        foreach (var name in new[] { StorageNames.Orders, StorageNames.Carts })
        {
            // Memory storage that fails on demand (IStorageFaultGrain), under the silo's rule for failed writes.
            silo.AddFaultInjectionMemoryStorage(
                name, options => options.GrainStorageSerializer = new StateJsonSerializer(), faults => faults.Latency = storageLatency);
        }

        silo.AddDiscardOnFailure();
        // Warnings and errors only: the logging framework then never formats the silos' informational lines for it.
        silo.Services.AddLogging(logging => logging
            .AddProvider(new FakeLoggerProvider(TestClusterSettings.SiloLogs))
            .AddFilter<FakeLoggerProvider>(level => level >= LogLevel.Warning));
        // The log the readers under test read (LogConsumerFaultTests); the product and order grains only write to theirs.
        silo.Services.AddSingleton<MemoryEventLog>();
        silo.Services.AddSingleton<IEventLog>(services => services.GetRequiredService<MemoryEventLog>());
        silo.Services.Configure<EventOptions>(options =>
        {
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            options.StockChangeInterval = TestClusterSettings.StockChangeInterval;
        });
        // Webhook subscriptions (WebhookReplayTests): an event refused once is a dead letter at once.
        silo.Services.AddWebhookDelivery().Configure<WebhookOptions>(options => options.MaxAttempts = 1);
        silo.UseInMemoryReminderService();
        ReminderTableFaults.Apply(silo);
        silo.Configure<ReminderOptions>(options => options.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        silo.Services.Configure<OrderOptions>(options =>
        {
            options.PaymentWindow = paymentWindow;
            options.ReminderPeriod = TimeSpan.FromSeconds(1);
            options.RecoveryDelay = TimeSpan.FromSeconds(1);
            options.CartIdleTime = cartIdleTime;
            options.IdempotencyKeyRetention = cartIdleTime / 2;
            options.AcknowledgementWriteDelay = TimeSpan.FromMilliseconds(50);
            orders?.Invoke(options);
        });
    }
}

/// <summary>Settings of every test cluster that tests reason with.</summary>
public static class TestClusterSettings
{
    /// <summary>Products announce stock at most this often: long enough that a test's burst of stock calls falls within one or two.</summary>
    public static readonly TimeSpan StockChangeInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The warnings and errors every test cluster's silos log (they run in the test process), so that a test can assert
    /// what a failure did or did not log; entries of every cluster and test land here, and a test picks its own by a grain's key.
    /// </summary>
    public static readonly FakeLogCollector SiloLogs = new();
}

/// <summary>The standard cluster: a payment window long enough never to interfere with a test; reservation audits after one second.</summary>
public sealed class StandardCluster : ClusterFixture<StandardCluster.Silo>
{
    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => ConfigureSilo(siloBuilder, TimeSpan.FromMinutes(15), TimeSpan.FromDays(7));
    }
}

/// <summary>A cluster whose orders expire two seconds after checkout and whose carts expire after two idle seconds.</summary>
public sealed class ShortPaymentWindowCluster : ClusterFixture<ShortPaymentWindowCluster.Silo>
{
    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => ConfigureSilo(siloBuilder, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }
}

/// <summary>
/// A standard cluster whose products neither write acknowledgements on their own nor audit their records within a
/// minute: never within a test, so what a test sees stored was written by the calls it made.
/// </summary>
public sealed class LazyAcknowledgementCluster : ClusterFixture<LazyAcknowledgementCluster.Silo>
{
    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            ConfigureSilo(siloBuilder, TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), orders =>
            {
                orders.AcknowledgementWriteDelay = TimeSpan.FromMinutes(1);
                orders.RecoveryDelay = TimeSpan.FromMinutes(1);
            });
    }
}

/// <summary>
/// A standard cluster whose storage answers each read and write after <see cref="Latency"/>, so that a write stays in
/// flight long enough for a test to act while it is, and whose products announce stock changes at most once a minute:
/// a change a test leaves unannounced stays so until the product's next activation.
/// </summary>
public sealed class SlowStorageCluster : ClusterFixture<SlowStorageCluster.Silo>
{
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(300);

    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            ConfigureSilo(siloBuilder, TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), storageLatency: Latency);
            siloBuilder.Services.Configure<EventOptions>(options => options.StockChangeInterval = TimeSpan.FromMinutes(1));
        }
    }
}

/// <summary>
/// A cluster whose silos hand their recently used activations on when they stop, for tests that start a second silo
/// and stop it. Each storage keeps everything in one memory grain, which a test activates on the first silo before it
/// starts the second, so that stopping the second takes no stored state with it.
/// </summary>
public sealed class HandOffCluster : ClusterFixture<HandOffCluster.Silo>
{
    /// <summary>How long each storage read and write takes: long enough to stop a silo while a write is in flight.</summary>
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(500);

    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => ConfigureHandingOff(siloBuilder, limit: 1000);
    }

    /// <summary>
    /// The silo of <see cref="HandOffCluster"/>, handing on at most <paramref name="limit"/> activations within
    /// <paramref name="timeout"/> (a minute when not given: far longer than any move here).
    /// </summary>
    public static void ConfigureHandingOff(ISiloBuilder siloBuilder, int limit, TimeSpan? timeout = null)
    {
        ConfigureSilo(siloBuilder, TimeSpan.FromMinutes(15), TimeSpan.FromDays(7), storageLatency: Latency);
        foreach (var name in new[] { StorageNames.Orders, StorageNames.Carts })
        {
            siloBuilder.Services.Configure<MemoryGrainStorageOptions>(name, options => options.NumStorageGrains = 1);
        }

        siloBuilder.AddHandOffOnStop(limit, timeout ?? TimeSpan.FromMinutes(1));
    }
}

/// <summary>As <see cref="HandOffCluster"/>, with silos that give up a move not done within a tenth of a storage write.</summary>
public sealed class HandOffQuickCluster : ClusterFixture<HandOffQuickCluster.Silo>
{
    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => HandOffCluster.ConfigureHandingOff(siloBuilder, limit: 1000, timeout: HandOffCluster.Latency / 10);
    }
}

/// <summary>As <see cref="HandOffCluster"/>, with silos that hand on at most one activation when they stop.</summary>
public sealed class HandOffOneCluster : ClusterFixture<HandOffOneCluster.Silo>
{
    public sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => HandOffCluster.ConfigureHandingOff(siloBuilder, limit: 1);
    }
}

[CollectionDefinition(Name)]
public sealed class StandardClusterCollection : ICollectionFixture<StandardCluster>
{
    public const string Name = "standard cluster";
}
