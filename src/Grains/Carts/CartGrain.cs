using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Carts;

/// <summary>A customer's cart. It stores SKUs and quantities only; names and prices are read from the products.</summary>
[GrainType("cart")]
public sealed class CartGrain(
    [PersistentState("cart", StorageNames.Orders)] IPersistentState<CartState> state) : Grain, ICartGrain
{
    public const int MaxLines = 100;

    private string CustomerId => this.GetPrimaryKeyString();

    private CartState Cart => state.State;

    public async Task<Result<CartView>> Get() => await View();

    public async Task<Result<CartView>> SetQuantity(string sku, int quantity)
    {
        if (!Identifiers.IsValid(sku))
        {
            return Error.Invalid("sku", Identifiers.Rule);
        }

        if (quantity is < 0 or > Validate.MaxLineQuantity)
        {
            return Error.Invalid("quantity", $"must be between 1 and {Validate.MaxLineQuantity}, or 0 to remove the line");
        }

        if (quantity == 0)
        {
            return await RemoveLine(sku);
        }

        var product = await GrainFactory.GetGrain<IProductGrain>(sku).Get();
        if (!product.IsSuccess)
        {
            return product.Error;
        }

        var line = Cart.Lines.Find(l => l.Sku == sku);
        var refusal = Refusal(product.Value!, isNewLine: line is null);
        if (refusal is not null)
        {
            return refusal;
        }

        if (line is null)
        {
            Cart.Lines.Add(new CartLineState { Sku = sku, Quantity = quantity });
            Cart.Currency = product.Value!.Currency;
        }
        else
        {
            line.Quantity = quantity;
        }

        await Persist();
        return await View();
    }

    public async Task<Result<CartView>> RemoveLine(string sku)
    {
        if (Cart.Lines.RemoveAll(l => l.Sku == sku) > 0)
        {
            if (Cart.Lines.Count == 0)
            {
                Cart.Currency = null;
            }

            await Persist();
        }

        return await View();
    }

    public async Task<Result<Done>> Clear()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        return Done.Instance;
    }

    public async Task<Result<OrderView>> Checkout()
    {
        if (Cart.Lines.Count == 0)
        {
            return Error.Invalid("cart", "The cart is empty.");
        }

        var orderId = Guid.NewGuid().ToString("N");
        var lines = Cart.Lines.Select(l => new RequestedLine(l.Sku, l.Quantity)).ToList();
        var order = await GrainFactory.GetGrain<IOrderGrain>(orderId).Place(new PlaceOrder(CustomerId, lines));
        if (order.IsSuccess)
        {
            await state.ClearStateAsync();
        }

        return order;
    }

    private Error? Refusal(ProductView product, bool isNewLine)
    {
        if (!product.Active)
        {
            return Error.Conflict($"Product '{product.Sku}' is not for sale.");
        }

        if (Cart.Currency is not null && Cart.Currency != product.Currency)
        {
            return Error.Conflict($"Product '{product.Sku}' is priced in {product.Currency}; this cart is in {Cart.Currency}.");
        }

        return isNewLine && Cart.Lines.Count >= MaxLines
            ? Error.Conflict($"A cart holds at most {MaxLines} lines.")
            : null;
    }

    private Task Persist()
    {
        Cart.UpdatedAt = DateTimeOffset.UtcNow;
        return state.WriteStateAsync();
    }

    private async Task<CartView> View()
    {
        var products = await Task.WhenAll(Cart.Lines.Select(l => GrainFactory.GetGrain<IProductGrain>(l.Sku).Get()));
        var lines = Cart.Lines.Zip(products, (line, product) =>
        {
            var view = product.Value!;
            return new CartLineView(line.Sku, view.Name, view.Price, line.Quantity, view.Price * line.Quantity);
        }).ToList();
        return new CartView(CustomerId, lines, lines.Sum(l => l.LineTotal), Cart.Currency);
    }
}
