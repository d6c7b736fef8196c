using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains.Products;

/// <summary>The product aggregate. Each method validates, changes state, persists, then replies.</summary>
[GrainType("product")]
public sealed class ProductGrain(
    [PersistentState("product", StorageNames.Orders)] IPersistentState<ProductState> state) : Grain, IProductGrain
{
    private const int MaxStock = 1_000_000_000;

    private string Sku => this.GetPrimaryKeyString();

    private ProductState Product => state.State;

    public async Task<Result<ProductView>> Create(CreateProduct command)
    {
        var errors = Validate.Product(Sku, command.Name, command.Description, command.Price, command.Currency);
        if (command.Stock is < 0 or > MaxStock)
        {
            errors = errors.Add("stock", [$"must be between 0 and {MaxStock}"]);
        }

        if (!errors.IsEmpty)
        {
            return Error.Invalid(errors);
        }

        if (Product.Exists)
        {
            return Error.Conflict($"Product '{Sku}' already exists.");
        }

        Product.Exists = true;
        Product.Active = true;
        Product.Name = command.Name;
        Product.Description = command.Description;
        Product.Price = command.Price;
        Product.Currency = command.Currency;
        Product.OnHand = command.Stock;
        Product.InitialStock = command.Stock;
        return await Save();
    }

    public Task<Result<ProductView>> Get() => Task.FromResult<Result<ProductView>>(Product.Exists ? View() : Missing());

    public async Task<Result<ProductView>> Update(UpdateProduct command)
    {
        var errors = Validate.Product(Sku, command.Name, command.Description, command.Price, command.Currency);
        if (!errors.IsEmpty)
        {
            return Error.Invalid(errors);
        }

        if (!Product.Exists)
        {
            return Missing();
        }

        Product.Name = command.Name;
        Product.Description = command.Description;
        Product.Price = command.Price;
        Product.Currency = command.Currency;
        return await Save();
    }

    public async Task<Result<ProductView>> AdjustStock(int delta)
    {
        if (!Product.Exists)
        {
            return Missing();
        }

        var onHand = (long)Product.OnHand + delta;
        if (onHand < Product.Reserved)
        {
            return Error.Conflict(
                $"Adjusting by {delta} would leave {onHand} on hand, below the {Product.Reserved} reserved.");
        }

        if (onHand > MaxStock)
        {
            return Error.Invalid("delta", $"would take the stock on hand above {MaxStock}");
        }

        Product.OnHand = (int)onHand;
        Product.Adjusted += delta;
        return await Save();
    }

    public async Task<Result<ProductView>> Deactivate()
    {
        if (!Product.Exists)
        {
            return Missing();
        }

        if (!Product.Active)
        {
            return View();
        }

        Product.Active = false;
        return await Save();
    }

    public async Task<Result<ReservedLine>> Reserve(string reservationId, int quantity)
    {
        if (quantity is < 1 or > Validate.MaxLineQuantity)
        {
            return Error.Invalid("quantity", $"must be between 1 and {Validate.MaxLineQuantity}");
        }

        if (Product.Reservations.TryGetValue(reservationId, out var held))
        {
            return held == quantity
                ? Line(quantity)
                : Error.Conflict($"Reservation '{reservationId}' already holds {held} units of '{Sku}'.");
        }

        var available = Product.Exists && Product.Active ? Product.OnHand - Product.Reserved : 0;
        if (available < quantity)
        {
            return Error.InsufficientStock([new Shortage(Sku, quantity, available)]);
        }

        Product.Reservations[reservationId] = quantity;
        Product.Reserved += quantity;
        await Persist();
        return Line(quantity);
    }

    public async Task<Result<Done>> Release(string reservationId)
    {
        if (Product.Reservations.Remove(reservationId, out var held))
        {
            Product.Reserved -= held;
            await Persist();
        }

        return Done.Instance;
    }

    public async Task<Result<Done>> Commit(string reservationId)
    {
        if (Product.Reservations.Remove(reservationId, out var held))
        {
            Product.Reserved -= held;
            Product.OnHand -= held;
            Product.Sold += held;
            await Persist();
        }

        return Done.Instance;
    }

    public async Task<Result<ProductView>> ReturnStock(string returnId, int quantity)
    {
        if (quantity is < 1 or > MaxStock)
        {
            return Error.Invalid("quantity", $"must be between 1 and {MaxStock}");
        }

        if (!Product.Exists)
        {
            return Missing();
        }

        if (!Product.AppliedReturns.Add(returnId))
        {
            return View();
        }

        Product.OnHand += quantity;
        Product.Returned += quantity;
        return await Save();
    }

    private async Task<Result<ProductView>> Save()
    {
        await Persist();
        return View();
    }

    private Task Persist()
    {
        Product.Version++;
        return state.WriteStateAsync();
    }

    private ReservedLine Line(int quantity) => new(Sku, Product.Name, Product.Price, Product.Currency, quantity);

    private Error Missing() => Error.NotFound($"Product '{Sku}' does not exist.");

    private ProductView View() => new(
        Sku, Product.Name, Product.Description, Product.Price, Product.Currency,
        Product.OnHand, Product.Reserved, Product.OnHand - Product.Reserved, Product.Active, Product.Version);
}
