using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Tests;

/// <summary>What grain tests set up again and again: a new product in stock, a new customer's cart holding lines.</summary>
public static class Shop
{
    /// <summary>Creates a product ("Thing") under a fresh sku; returns the sku.</summary>
    public static async Task<string> NewProduct(this IGrainFactory grains, decimal price = 2m, int stock = 10, string currency = "USD")
    {
        var sku = Unique.Key("sku");
        Assert.True((await grains.GetGrain<IProductGrain>(sku).Create(new CreateProduct("Thing", "", price, currency, stock))).IsSuccess);
        return sku;
    }

    /// <summary>A new customer's cart holding these lines.</summary>
    public static async Task<ICartGrain> CartWith(this IGrainFactory grains, params (string Sku, int Quantity)[] lines)
    {
        var cart = grains.GetGrain<ICartGrain>(Unique.Key("customer"));
        foreach (var (sku, quantity) in lines)
        {
            Assert.True((await cart.SetQuantity(sku, quantity)).IsSuccess);
        }

        return cart;
    }

    /// <summary>A product's stock figures as one tuple, to assert them together.</summary>
    public static (int OnHand, int Reserved, int Available) Stock(ProductView view) => (view.OnHand, view.Reserved, view.Available);
}
