using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Tests;

/// <summary>A reference built from types resolved once is the one Orleans' <c>GetGrain</c> gives, and reaches the same grain.</summary>
[Collection(StandardClusterCollection.Name)]
public sealed class GrainReferencesTests(StandardCluster fixture)
{
    [Fact]
    public void Every_grain_the_code_references_gets_the_reference_GetGrain_gives()
    {
        var grains = fixture.Grains;
        foreach (var key in new[] { "sku-1", "order_01J", "wh_2f", "ünïcödé key" })
        {
            AssertSame(grains.GetGrain<IProductGrain>(key), grains.Reference<IProductGrain>(key));
            AssertSame(grains.GetGrain<ICartGrain>(key), grains.Reference<ICartGrain>(key));
            AssertSame(grains.GetGrain<IOrderGrain>(key), grains.Reference<IOrderGrain>(key));
            AssertSame(grains.GetGrain<IDeadlineGrain>(key), grains.Reference<IDeadlineGrain>(key));
            AssertSame(grains.GetGrain<IWebhookGrain>(key), grains.Reference<IWebhookGrain>(key));
            AssertSame(grains.GetGrain<IWebhookRegistryGrain>(key), grains.Reference<IWebhookRegistryGrain>(key));
            AssertSame(grains.GetGrain<IListingProjectionGrain>(key), grains.Reference<IListingProjectionGrain>(key));
        }

        foreach (var key in new[] { 0L, 1L, -1L, long.MaxValue })
        {
            AssertSame(grains.GetGrain<IListingGrain>(key), grains.Reference<IListingGrain>(key));
            AssertSame(grains.GetGrain<IManagementGrain>(key), grains.Reference<IManagementGrain>(key));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_empty_key_is_refused_as_GetGrain_refuses_it(string key)
    {
        Assert.Throws<ArgumentException>(() => fixture.Grains.GetGrain<IProductGrain>(key));
        Assert.Throws<ArgumentException>(() => fixture.Grains.Reference<IProductGrain>(key));
    }

    [Fact]
    public async Task A_reference_reaches_the_grain_GetGrain_reaches()
    {
        var sku = Unique.Key("sku");
        Assert.True((await fixture.Grains.Reference<IProductGrain>(sku).Create(new("Widget", "A widget", 9.99m, "USD", 3))).IsSuccess);

        var view = (await fixture.Grains.GetGrain<IProductGrain>(sku).Get()).Value!;
        Assert.Equal((sku, 3), (view.Sku, view.Available));
    }

    private static void AssertSame<T>(T expected, T actual) where T : IAddressable
    {
        var (wanted, built) = ((GrainReference)(object)expected, (GrainReference)(object)actual);
        Assert.Equal(wanted.GetGrainId(), built.GetGrainId());
        Assert.Equal(wanted.InterfaceType, built.InterfaceType);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal((object)expected, actual);
    }
}
