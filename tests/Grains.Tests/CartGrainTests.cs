using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;

namespace OrderActors.Grains.Tests;

[Collection(StandardClusterCollection.Name)]
public sealed class CartGrainTests(StandardCluster fixture)
{
    private ICartGrain NewCart() => fixture.Grains.GetGrain<ICartGrain>(Unique.Key("customer"));

    private Task<string> NewProduct(decimal price = 2.50m, string currency = "USD", int stock = 100) =>
        fixture.Grains.NewProduct(price, stock, currency);

    [Fact]
    public async Task A_new_cart_is_empty()
    {
        var cart = NewCart();

        var view = (await cart.Get()).Value!;

        Assert.Equal(cart.GetPrimaryKeyString(), view.CustomerId);
        Assert.Empty(view.Lines);
        Assert.Equal(0m, view.Total);
    }

    [Fact]
    public async Task Setting_quantities_adds_updates_and_zero_removes_lines()
    {
        var cart = NewCart();
        var a = await NewProduct(price: 2.50m);
        var b = await NewProduct(price: 1.25m);

        await cart.SetQuantity(a, 2);
        await cart.SetQuantity(b, 4);
        var updated = (await cart.SetQuantity(a, 3)).Value!;

        Assert.Equal([(a, 3, 7.50m), (b, 4, 5.00m)], updated.Lines.Select(l => (l.Sku, l.Quantity, l.LineTotal)));
        Assert.Equal((12.50m, "USD"), (updated.Total, updated.Currency));

        var removed = (await cart.SetQuantity(a, 0)).Value!;
        Assert.Equal([b], removed.Lines.Select(l => l.Sku));
    }

    [Fact]
    public async Task The_view_prices_lines_at_the_current_price()
    {
        var cart = NewCart();
        var sku = await NewProduct(price: 2.00m);
        await cart.SetQuantity(sku, 2);

        await fixture.Grains.GetGrain<IProductGrain>(sku).Update(new UpdateProduct("Thing", "", 3.00m, "USD"));

        Assert.Equal(6.00m, (await cart.Get()).Value!.Total);
    }

    [Fact]
    public async Task Remove_line_and_clear_empty_the_cart()
    {
        var cart = NewCart();
        var a = await NewProduct();
        var b = await NewProduct();
        await cart.SetQuantity(a, 1);
        await cart.SetQuantity(b, 1);

        Assert.Equal([b], (await cart.RemoveLine(a)).Value!.Lines.Select(l => l.Sku));
        await cart.Clear();

        var view = (await cart.Get()).Value!;
        Assert.Empty(view.Lines);
        Assert.Null(view.Currency);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task Quantities_outside_1_to_1000_are_invalid(int quantity)
    {
        var result = await NewCart().SetQuantity(await NewProduct(), quantity);

        Assert.Contains("quantity", result.Error!.FieldErrors.Keys);
    }

    [Fact]
    public async Task Unknown_products_are_not_found()
    {
        var result = await NewCart().SetQuantity(Unique.Key("missing"), 1);

        Assert.Equal(ErrorKind.NotFound, result.Error?.Kind);
    }

    [Fact]
    public async Task Inactive_products_are_refused()
    {
        var sku = await NewProduct();
        await fixture.Grains.GetGrain<IProductGrain>(sku).Deactivate();

        var result = await NewCart().SetQuantity(sku, 1);

        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
    }

    [Fact]
    public async Task A_product_in_another_currency_is_refused()
    {
        var cart = NewCart();
        await cart.SetQuantity(await NewProduct(currency: "USD"), 1);

        var result = await cart.SetQuantity(await NewProduct(currency: "EUR"), 1);

        Assert.Equal(ErrorKind.Conflict, result.Error?.Kind);
        Assert.Single((await cart.Get()).Value!.Lines);
    }

    [Fact]
    public async Task A_cart_holds_at_most_100_lines()
    {
        var cart = NewCart();
        var skus = await Task.WhenAll(Enumerable.Range(0, CartGrain.MaxLines + 1).Select(_ => NewProduct()));
        foreach (var sku in skus.Take(CartGrain.MaxLines))
        {
            Assert.True((await cart.SetQuantity(sku, 1)).IsSuccess);
        }

        var refused = await cart.SetQuantity(skus[^1], 1);
        var updateOfExisting = await cart.SetQuantity(skus[0], 5);

        Assert.Equal(ErrorKind.Conflict, refused.Error?.Kind);
        Assert.True(updateOfExisting.IsSuccess);
        Assert.Equal(CartGrain.MaxLines, (await cart.Get()).Value!.Lines.Count);
    }
}
