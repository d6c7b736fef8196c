extern alias silo;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Carts;
using OrderActors.Grains.Orders;
using Orleans.Configuration;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

public sealed class OrleansSettingsTests
{
    [Theory]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "Default", false)]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "StronglyConsistent", true)]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "stronglyconsistent", true)]
    [InlineData(nameof(OrleansSettings.Placement), "resourceoptimized", true)]
    [InlineData(nameof(OrleansSettings.Placement), "Random", false)]
    public void A_cluster_choice_is_read_whatever_its_case(string setting, string value, bool chosen) =>
        Assert.Equal(chosen, Chosen(setting, value));

    [Theory]
    [InlineData(nameof(OrleansSettings.GrainDirectory), "Redis", "Orleans:GrainDirectory is 'Redis'; expected StronglyConsistent or Default.")]
    [InlineData(nameof(OrleansSettings.Placement), "PreferLocal", "Orleans:Placement is 'PreferLocal'; expected ResourceOptimized or Random.")]
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
            settings["Orleans:CartIdleAge"] = cartAge;
        }

        await using var silo = GatewayFixture.BuildSilo(settings);

        var collection = silo.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(orderMinutes), collection.ClassSpecificCollectionAge[typeof(OrderGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(cartMinutes), collection.ClassSpecificCollectionAge[typeof(CartGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(15), collection.CollectionAge); // every other grain: Orleans' default
    }

    private static bool Chosen(string setting, string value) => setting switch
    {
        nameof(OrleansSettings.GrainDirectory) => new OrleansSettings { GrainDirectory = value }.UsesStronglyConsistentDirectory,
        nameof(OrleansSettings.Placement) => new OrleansSettings { Placement = value }.PlacesByLoad,
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "not a choice of OrleansSettings"),
    };
}
