extern alias silo;

using Microsoft.Extensions.DependencyInjection;
using silo::OrderActors.Silo.Hosting;

namespace OrderActors.Gateway.Tests;

public sealed class OrleansSettingsTests
{
    [Theory]
    [InlineData("Default", false)]
    [InlineData("StronglyConsistent", true)]
    [InlineData("stronglyconsistent", true)]
    public void The_grain_directory_setting_picks_the_directory(string value, bool stronglyConsistent) =>
        Assert.Equal(stronglyConsistent, new OrleansSettings { GrainDirectory = value }.UsesStronglyConsistentDirectory);

    [Fact]
    public void An_unknown_grain_directory_stops_the_silo_with_the_values_it_accepts()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new OrleansSettings { GrainDirectory = "Redis" }.UsesStronglyConsistentDirectory);

        Assert.Contains("Orleans:GrainDirectory is 'Redis'; expected StronglyConsistent or Default.", error.Message);
    }

    [Theory]
    [InlineData("ResourceOptimized", false)]
    [InlineData("random", true)]
    public void The_placement_setting_picks_the_default_placement(string value, bool random) =>
        Assert.Equal(random, new OrleansSettings { Placement = value }.PlacesRandomly);

    [Fact]
    public void An_unknown_placement_stops_the_silo_with_the_values_it_accepts()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new OrleansSettings { Placement = "PreferLocal" }.PlacesRandomly);

        Assert.Contains("Orleans:Placement is 'PreferLocal'; expected ResourceOptimized or Random.", error.Message);
    }

    [Theory]
    [InlineData(null, typeof(ResourceOptimizedPlacement))]
    [InlineData("Random", typeof(RandomPlacement))]
    public async Task A_silo_places_new_activations_as_its_setting_says(string? placement, Type expected)
    {
        var settings = GatewayFixture.NewClusterSettings();
        settings["Orleans:Placement"] = placement;
        await using var silo = GatewayFixture.BuildSilo(settings);

        Assert.IsType(expected, silo.Services.GetRequiredService<PlacementStrategy>());
    }
}
