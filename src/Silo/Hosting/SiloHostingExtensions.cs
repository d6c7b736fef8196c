using System.Data.Common;
using Microsoft.Extensions.Options;
using OrderActors.Gateway.Hosting;
using OrderActors.Grains;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;
using OrderActors.Grains.ReadModel;
using OrderActors.Grains.Webhooks;
using Npgsql;
using OrderActors.Hosting;
using OrderActors.Silo.Events;
using OrderActors.Silo.ReadModel;
using OrderActors.Silo.Schema;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.GrainDirectory;
using Orleans.GrainDirectory.Redis;
using Orleans.Runtime.Hosting;
using StackExchange.Redis;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// Everything a silo process needs: schema, clustering, storage, reminders, the dashboard behind the admin role,
/// health, logging, metrics.
/// </summary>
public static class SiloHostingExtensions
{
    public const string PostgresInvariant = "Npgsql";

    public static IHostApplicationBuilder AddOrderActorsSilo(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var postgres = ForProviders(Required(configuration.GetConnectionString("Postgres"), "ConnectionStrings:Postgres"));
        // Written back so that the event log and the read model share the providers' pool instead of opening their own.
        configuration["ConnectionStrings:Postgres"] = postgres;
        var redis = Required(configuration.GetConnectionString("Redis"), "ConnectionStrings:Redis");
        var settings = configuration.GetSection("Orleans").Get<OrleansSettings>() ?? new OrleansSettings();

        configuration["urls"] ??= "http://127.0.0.1:8081"; // loopback unless Urls, ASPNETCORE_URLS or --urls say otherwise
        builder.AddOrderActorsLogging();
        builder.AddOrderActorsMetrics(Metrics.MeterName);
        builder.AddOrderActorsTracing("orderactors-silo", tracing => tracing.AddNpgsql());

        // Registered before Orleans so the schema (and its query texts) exists when the providers read it at start.
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Services.AddSingleton<PostgresReadModel>();
        builder.Services.AddSingleton<IReadModel>(services => services.GetRequiredService<PostgresReadModel>());
        builder.Services.AddSingleton<IEventLog, PostgresEventLog>();
        builder.Services.AddCatalogCacheStore(configuration);
        builder.Services.AddSingleton<ICatalogCache, RedisCatalogCache>();
        builder.Services.AddHostedService<LogConsumersKeepAlive>();
        builder.Services.Configure<OrderOptions>(configuration.GetSection("Orders"));
        builder.Services.Configure<EventOptions>(configuration.GetSection("Events"));
        builder.Services.Configure<WebhookOptions>(configuration.GetSection("Webhooks"));
        builder.Services.AddWebhookDelivery();
        // Before the probes: hosts stop services in reverse order, so the drain delay runs first, then the silo stops.
        builder.Services.AddHostedService<SiloStopsFirst>();
        builder.Services.AddSingleton<RedisHealthCheck>();
        builder.AddOrderActorsProbes()
            .AddCheck<PostgresHealthCheck>("postgres", tags: [Probes.Ready])
            .AddCheck<RedisHealthCheck>("redis", tags: [Probes.Ready]);
        builder.AddDashboardAuthentication();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(configuration.GetSection("Orleans"));
            silo.Configure<ReminderOptions>(configuration.GetSection("Reminders"));
            silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Membership"));
            silo.Configure<GrainCollectionOptions>(options =>
            {
                options.ClassSpecificCollectionAge[typeof(OrderGrain).FullName!] = settings.OrderIdleAge;
                options.ClassSpecificCollectionAge[typeof(CartGrain).FullName!] = settings.CartIdleAge;
            });
            silo.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.ConfigureEndpoints(settings.ResolveAdvertisedAddress(), settings.SiloPort, settings.GatewayPort, settings.ListenOnAnyAddress);
            foreach (var (name, deleteOnClear) in new[] { (StorageNames.Orders, false), (StorageNames.Carts, true) })
            {
                silo.AddAdoNetGrainStorage(name, options =>
                {
                    options.Invariant = PostgresInvariant;
                    options.ConnectionString = postgres;
                    options.GrainStorageSerializer = new StateJsonSerializer();
                    options.DeleteStateOnClear = deleteOnClear;
                });
            }
            silo.UseAdoNetReminderService(options =>
            {
                options.Invariant = PostgresInvariant;
                options.ConnectionString = postgres;
            });
            silo.AddDiscardOnFailure();
            silo.AddDashboard();
            silo.AddIncomingGrainCallFilter<RequestIdLogScope>();
            silo.AddActivityPropagation();
            if (ClusterTls.From(configuration) is { } tls)
            {
                silo.UseTls(tls.LoadCertificate(), tls.Configure);
            }
            if (settings.ChosenPlacement == OrleansSettings.Placements.Random)
            {
                // Orleans' default weighs each silo's load and puts nearly every new activation on a silo that just
                // joined (fewest activations), while the gateways keep sending their calls through the silos they
                // already knew: every call to a new cart or order is forwarded. Random placement splits them evenly.
                silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
            }
            if (settings.HandOffOnStop)
            {
                silo.AddHandOffOnStop(settings.HandOffLimit, settings.ValidHandOffTimeout);
            }
            silo.Configure<GrainDirectoryOptions>(options => options.MaximumCacheTTL = settings.ValidDirectoryCacheAge);
            switch (settings.ChosenDirectory)
            {
                case OrleansSettings.Directories.StronglyConsistent:
                    // Orleans' strongly consistent in-cluster directory: a joining or leaving silo hands its directory range
                    // over under a view lock instead of racing it (no second activation while a silo joins) and grains whose
                    // directory entry lived on a stopped silo are not all deactivated with it. Experimental in Orleans 10;
                    // every silo of a cluster must run the same directory.
#pragma warning disable ORLEANSEXP003 // experimental API, chosen by configuration (see above)
                    silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
                    break;
                case OrleansSettings.Directories.Redis:
                    // Entries in Redis under the cluster id: a silo's stop or death leaves the other silos' activations
                    // alone (an entry of a dead silo is dropped when a lookup finds it), at a Redis round trip for each
                    // activation's registration and for each lookup a silo has not cached.
                    silo.AddGrainDirectory(GrainDirectoryAttribute.DEFAULT_GRAIN_DIRECTORY, (services, _) => new RedisDirectory(
                        ActivatorUtilities.CreateInstance<RedisGrainDirectory>(services, new RedisGrainDirectoryOptions { ConfigurationOptions = ConfigurationOptions.Parse(redis) })));
                    break;
            }
            if (configuration.GetValue<bool>("Orleans:ActivationRebalancing"))
            {
                // Placement only decides where new activations go; the rebalancer also moves existing ones onto a silo
                // that just joined. Experimental in Orleans 10, so it is off unless every silo is started with it on.
#pragma warning disable ORLEANSEXP002 // experimental API, opted into by configuration (see above)
                silo.AddActivationRebalancer();
#pragma warning restore ORLEANSEXP002
                silo.Configure<ActivationRebalancerOptions>(configuration.GetSection("Orleans:ActivationRebalancer"));
            }
        });
        return builder;
    }

    /// <summary>The dashboard for admins only; health and metrics stay open to probes and scrapers.</summary>
    public static WebApplication MapOrderActorsSilo(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseDashboardSignIn();
        app.MapOrleansDashboard(routePrefix: DashboardAuthentication.Path).RequireAuthorization(Policies.Admin);
        app.MapOrderActorsProbes();
        app.MapOrderActorsMetrics();
        return app;
    }

    /// <summary>Hands a stopping silo's busiest activations to the silos that stay (<see cref="HandOffOnStop"/>).</summary>
    /// <param name="silo">The silo.</param>
    /// <param name="limit">How many activations it hands on at most, the busiest first.</param>
    /// <param name="timeout">How long the moves may take before those not done are given up.</param>
    public static ISiloBuilder AddHandOffOnStop(this ISiloBuilder silo, int limit, TimeSpan timeout)
    {
        silo.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<HandOffOnStop>(services, limit, timeout));
        silo.Services.AddSingleton<IActivationWorkingSetObserver>(services => services.GetRequiredService<HandOffOnStop>());
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<HandOffOnStop>());
        return silo;
    }

    /// <summary>
    /// What webhook grains send with (their options are configured apart): a named HTTP client that gives up after the
    /// configured timeout, follows no redirect (a 3xx is a failed attempt, as Standard Webhooks expects) and logs no URLs.
    /// </summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services)
    {
        services.AddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.ClientName)
            .ConfigureHttpClient((services, client) => client.Timeout = services.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
        return services;
    }

    /// <summary>The most connections a silo opens to PostgreSQL when its connection string does not say.</summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>
    /// The connection string every provider of the silo uses, with three defaults a connection string that names the
    /// setting overrides. Npgsql prepares each statement on its pooled connection after two uses, so PostgreSQL stops
    /// parsing and planning the same few statements on every call (the storage queries find their row by the whole
    /// key in the generic plan, schema 6, tested on 100,000 rows). The pool is bounded at
    /// <see cref="DefaultMaxPoolSize"/> instead of Npgsql's 100: under overload a silo would otherwise open 100
    /// backends that only contend for PostgreSQL's cores, and two silos would exhaust a stock server's 100
    /// connections; extra requests wait for a connection in the silo instead (docs/operations.md, "Capacity").
    /// A connection goes back to the pool without Npgsql's session reset (<c>No Reset On Close</c>): with prepared
    /// statements that reset is seven statements (<c>RESET ALL</c>, <c>UNLISTEN *</c>, ...) run by PostgreSQL before the
    /// next use of the connection — after every storage call, event-log poll and read-model write — and nothing in the silo
    /// leaves session state to reset: no <c>SET</c>, <c>LISTEN</c>, temporary table, cursor or session advisory lock (the
    /// migration's lock is the transaction's). A transaction left open is still rolled back when the connection returns.
    /// </summary>
    public static string ForProviders(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }

        // Npgsql's builder reports every keyword as set (it fills in defaults), so the string's own keys are read plainly:
        // Npgsql takes a setting by its display name or its property name.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Sets(string name, string property) => given.ContainsKey(name) || given.ContainsKey(property);

        if (!Sets("Maximum Pool Size", nameof(builder.MaxPoolSize)))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (!Sets("No Reset On Close", nameof(builder.NoResetOnClose)))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    private static string Required(string? value, string key) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new OptionsValidationException(key, typeof(string), [$"{key} is required (environment: {key.Replace(":", "__")})."])
            : value;
}
