using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Products;

/// <summary>
/// The product aggregate. Each method validates, changes state, persists, then replies.
/// While it holds reservations, a reminder audits the old ones with their orders, so a reservation whose order
/// never came to exist (a crash mid-checkout) cannot hold stock for longer than the recovery delay.
/// </summary>
[GrainType("product")]
public sealed class ProductGrain(
    [PersistentState("product", StorageNames.Orders)] IPersistentState<ProductState> state,
    IOptions<OrderOptions> options) : Grain, IProductGrain, IRemindable
{
    public const string AuditReminder = "reservation-audit";
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
        Product.Sku = Sku;
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
            return held.Quantity == quantity
                ? Line(quantity)
                : Error.Conflict($"Reservation '{reservationId}' already holds {held.Quantity} units of '{Sku}'.");
        }

        var available = Product.Exists && Product.Active ? Product.OnHand - Product.Reserved : 0;
        if (available < quantity)
        {
            return Error.InsufficientStock([new Shortage(Sku, quantity, available)]);
        }

        Product.Reservations[reservationId] = new ReservationState { Quantity = quantity, ReservedAt = DateTimeOffset.UtcNow };
        Product.Reserved += quantity;
        if (!Product.AuditScheduled)
        {
            await this.RegisterOrUpdateReminder(AuditReminder, options.Value.RecoveryDelay, options.Value.ReminderPeriod);
            Product.AuditScheduled = true;
        }

        await Persist();
        return Line(quantity);
    }

    public async Task<Result<Done>> Release(string reservationId)
    {
        if (ReleaseHeld(reservationId))
        {
            await Persist();
        }

        return Done.Instance;
    }

    public async Task<Result<Done>> Commit(string reservationId)
    {
        if (CommitHeld(reservationId))
        {
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

    /// <summary>Asks the order behind every reservation older than the recovery delay what should become of it.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (Product.Reservations.Count == 0)
        {
            var reminder = await this.GetReminder(AuditReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            Product.AuditScheduled = false;
            await Persist();
            return;
        }

        var cutoff = DateTimeOffset.UtcNow - options.Value.RecoveryDelay;
        var old = Product.Reservations.Where(r => r.Value.ReservedAt <= cutoff).Select(r => r.Key).ToList();
        var fates = await Task.WhenAll(old.Select(id => GrainFactory.GetGrain<IOrderGrain>(id).GetReservationFate()));
        var changed = false;
        foreach (var (id, fate) in old.Zip(fates))
        {
            changed |= fate switch
            {
                ReservationFate.Release => ReleaseHeld(id),
                ReservationFate.Commit => CommitHeld(id),
                _ => false,
            };
        }

        if (changed)
        {
            await Persist();
        }
    }

    private bool ReleaseHeld(string reservationId)
    {
        if (!Product.Reservations.Remove(reservationId, out var held))
        {
            return false;
        }

        Product.Reserved -= held.Quantity;
        return true;
    }

    private bool CommitHeld(string reservationId)
    {
        if (!Product.Reservations.Remove(reservationId, out var held))
        {
            return false;
        }

        Product.Reserved -= held.Quantity;
        Product.OnHand -= held.Quantity;
        Product.Sold += held.Quantity;
        return true;
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
