extern alias silo;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Orders;
using OrderActors.Grains.Products;
using Orleans.Configuration;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

public sealed class OrleansSettingsTests
{
    [Theory]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "", "Default")]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "default", "Default")]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "StronglyConsistent", "StronglyConsistent")]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "stronglyconsistent", "StronglyConsistent")]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "REDIS", "Redis")]
    [InlineData(nameof(OrleansSettings.Placement), "resourceoptimized", "ResourceOptimized")]
    [InlineData(nameof(OrleansSettings.Placement), "Random", "Random")]
    [InlineData(nameof(OrleansSettings.Placement), "", "Random")]
    public void A_cluster_choice_is_read_whatever_its_case(string setting, string value, string chosen) =>
        Assert.Equal(chosen, Chosen(setting, value));

    [Theory]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "Consul", "Orleans:GrainDirectory is 'Consul'; expected Default, StronglyConsistent or Redis.")]
    [InlineData(nameof(OrleansSettings.Placement), "PreferLocal", "Orleans:Placement is 'PreferLocal'; expected Random or ResourceOptimized.")]
    public void An_unknown_choice_stops_the_silo_with_the_values_it_accepts(string setting, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Chosen(setting, value));

        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData(null, typeof(RandomPlacement))]
    [InlineData("ResourceOptimized", typeof(ResourceOptimizedPlacement))]
    public async Task A_silo_places_new_activations_as_its_setting_says(string? placement, Type expected)
    {
        var settings = GatewayFixture.NewClusterSettings();
        settings["Orleans:Placement"] = placement;
        await using var silo = GatewayFixture.BuildSilo(settings);

        Assert.IsType(expected, silo.Services.GetRequiredService<PlacementStrategy>());
    }

    [Theory]
    [InlineData(null, null, 2, 5)]
    [InlineData("00:10:00", "00:30:00", 10, 30)]
    public async Task A_silo_keeps_idle_orders_and_carts_in_memory_as_long_as_its_settings_say(
        string? orderAge, string? cartAge, int orderMinutes, int cartMinutes)
    {
        var settings = GatewayFixture.NewClusterSettings();
        if (orderAge is not null)
        {
            settings["Orleans:OrderIdleAge"] = orderAge;
        }

        if (cartAge is not null)
        {
            settings["Orleans:CartIdleAge"] = cartAge;
        }

        await using var silo = GatewayFixture.BuildSilo(settings);

        var collection = silo.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(orderMinutes), collection.ClassSpecificCollectionAge[typeof(OrderGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(cartMinutes), collection.ClassSpecificCollectionAge[typeof(CartGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(15), collection.CollectionAge); // every other grain: Orleans' default
    }

    [Theory]
    [InlineData(null, 30)]
    [InlineData("00:04:00", 240)]
    public async Task A_silo_trusts_its_directory_cache_as_long_as_its_settings_say(string? age, int seconds)
    {
        var settings = GatewayFixture.NewClusterSettings();
        if (age is not null)
        {
            settings["Orleans:DirectoryCacheAge"] = age;
        }

        await using var silo = GatewayFixture.BuildSilo(settings);

        var directory = silo.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(seconds), directory.MaximumCacheTTL);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public async Task A_directory_cache_age_that_is_not_positive_is_refused_by_name(string age)
    {
        var settings = GatewayFixture.NewClusterSettings();
        settings["Orleans:DirectoryCacheAge"] = age;
        await using var silo = GatewayFixture.BuildSilo(settings);

        var refusal = Assert.Throws<InvalidOperationException>(() => silo.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value);
        Assert.Contains("Orleans:DirectoryCacheAge", refusal.Message);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public void A_hand_off_timeout_that_is_not_positive_is_refused_by_name(string timeout)
    {
        var settings = GatewayFixture.NewClusterSettings();
        settings["Orleans:HandOffOnStop"] = "true";
        settings["Orleans:HandOffTimeout"] = timeout;

        var refusal = Assert.Throws<InvalidOperationException>(() => GatewayFixture.BuildSilo(settings));
        Assert.Contains("Orleans:HandOffTimeout", refusal.Message);
    }

    [Fact]
    public async Task An_idle_order_and_cart_leave_the_silo_after_their_age_while_a_product_stays()
    {
        var settings = GatewayFixture.NewClusterSettings();
        settings["Orleans:OrderIdleAge"] = "00:00:02";
        settings["Orleans:CartIdleAge"] = "00:00:03";
        // Orleans looks for idle activations once a quantum: a minute in production, a fifth of a second here.
        await using var silo = GatewayFixture.BuildSilo(settings, services =>
            services.Configure<GrainCollectionOptions>(options => options.CollectionQuantum = TimeSpan.FromMilliseconds(200)));
        await silo.StartAsync();
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IOrderGrain>("idle-order").Get();
        await grains.GetGrain<ICartGrain>("idle-customer").Get();
        await grains.GetGrain<IProductGrain>("idle-product").Get();

        var now = await Activations(grains);
        Assert.Equal((1, 1, 1), (now[typeof(OrderGrain)], now[typeof(CartGrain)], now[typeof(ProductGrain)]));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((now[typeof(OrderGrain)], now[typeof(CartGrain)]) != (0, 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            now = await Activations(grains);
        }

        Assert.Equal((0, 0, 1), (now[typeof(OrderGrain)], now[typeof(CartGrain)], now[typeof(ProductGrain)]));
    }

    /// <summary>Reads this silo's activations of the order, cart and product grain classes (named "class, assembly").</summary>
    private static async Task<Dictionary<Type, int>> Activations(IGrainFactory grains)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return new[] { typeof(OrderGrain), typeof(CartGrain), typeof(ProductGrain) }.ToDictionary(
            type => type,
            type => statistics.Where(s => s.GrainType.StartsWith(type.FullName + ",", StringComparison.Ordinal)).Sum(s => s.ActivationCount));
    }

    private static string Chosen(string setting, string value) => setting switch
    {
        nameof(OrleansSettings.GrainDirectory) => new OrleansSettings { GrainDirectory = value }.ChosenDirectory.ToString(),
        nameof(OrleansSettings.Placement) => new OrleansSettings { Placement = value }.ChosenPlacement.ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "not a choice of OrleansSettings"),
    };
}
