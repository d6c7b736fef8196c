using Microsoft.Extensions.Options;
using OrderActors.Gateway.Hosting;
using OrderActors.Grains;
using OrderActors.Grains.Orders;
using OrderActors.Grains.ReadModel;
using OrderActors.Hosting;
using OrderActors.Silo.ReadModel;
using OrderActors.Silo.Schema;
using Orleans.Configuration;
using Orleans.Dashboard;
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
        var postgres = Required(configuration.GetConnectionString("Postgres"), "ConnectionStrings:Postgres");
        var redis = Required(configuration.GetConnectionString("Redis"), "ConnectionStrings:Redis");
        var settings = configuration.GetSection("Orleans").Get<OrleansSettings>() ?? new OrleansSettings();

        configuration["urls"] ??= "http://127.0.0.1:8081"; // loopback unless Urls, ASPNETCORE_URLS or --urls say otherwise
        builder.AddOrderActorsLogging();
        builder.AddOrderActorsMetrics(Metrics.MeterName);

        // Registered before Orleans so the schema (and its query texts) exists when the providers read it at start.
        builder.Services.AddHostedService<SchemaMigrationService>();
        // A hosted service registered before Orleans stops after it, so summaries of grains deactivated at
        // shutdown are still written.
        builder.Services.AddSingleton<PostgresReadModel>();
        builder.Services.AddSingleton<IReadModel>(services => services.GetRequiredService<PostgresReadModel>());
        builder.Services.AddHostedService(services => services.GetRequiredService<PostgresReadModel>());
        builder.Services.Configure<OrderOptions>(configuration.GetSection("Orders"));
        builder.Services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"])
            .AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        builder.AddDashboardAuthentication();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(configuration.GetSection("Orleans"));
            silo.Configure<ReminderOptions>(configuration.GetSection("Reminders"));
            silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Membership"));
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
            silo.AddDashboard();
            silo.AddIncomingGrainCallFilter<RequestIdLogScope>();
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
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapOrderActorsMetrics();
        return app;
    }

    private static string Required(string? value, string key) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new OptionsValidationException(key, typeof(string), [$"{key} is required (environment: {key.Replace(":", "__")})."])
            : value;
}
