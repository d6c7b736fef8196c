using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.ReadModel;

namespace OrderActors.Grains.Orders;

/// <summary>
/// One order. Every transition is persisted before its stock effect is applied (see <see cref="OrderState.PendingStock"/>);
/// the effects are idempotent on the product side, so finishing them again after a crash is safe.
/// A reminder, registered before any stock is reserved, undoes a placement a crash interrupted (after the recovery
/// delay), expires unpaid orders (after the payment window) and finishes stock effects left pending.
/// </summary>
[GrainType("order")]
public sealed class OrderGrain(
    [PersistentState("order", StorageNames.Orders)] IPersistentState<OrderState> state,
    IOptions<OrderOptions> options,
    IReadModel readModel,
    ILogger<OrderGrain> log) : Grain, IOrderGrain, IRemindable
{
    public const string ReminderName = "order-deadline";

    /// <summary>The reminder as this activation last registered it: unregistering it then needs no lookup.</summary>
    private IGrainReminder? reminder;

    private string OrderId => this.GetPrimaryKeyString();

    private OrderState Order => state.State;

    private OrderOptions Options => options.Value;

    public async Task<Result<OrderView>> Place(PlaceOrder command)
    {
        if (Order.Status != OrderStatus.None)
        {
            if (Order.CustomerId != command.CustomerId || Order.CheckoutKey != command.CheckoutKey)
            {
                return Error.Conflict($"Order '{OrderId}' already exists.");
            }

            if (Order.Status != OrderStatus.Placing)
            {
                return AsOf(OrderStatus.PendingPayment);
            }

            await RemindToRecover();
        }
        else
        {
            var invalid = Invalid(command);
            if (invalid is not null)
            {
                return invalid;
            }

            // Both must be durable before any stock is touched, neither needs the other: written side by side.
            await Task.WhenAll(Begin(command), RemindToRecover());
        }

        return await ReserveLines();
    }

    public Task<Result<OrderView>> Get() =>
        Task.FromResult<Result<OrderView>>(Order.IsPlaced() ? View() : Missing());

    public Task<Result<OrderView>> GetAsPlaced() =>
        Task.FromResult<Result<OrderView>>(Order.IsPlaced() ? AsOf(OrderStatus.PendingPayment) : Missing());

    public async Task<Result<OrderView>> Pay(decimal amount, string idempotencyKey)
    {
        if (!IdempotencyKeys.IsValid(idempotencyKey))
        {
            return Error.Invalid(IdempotencyKeys.Header, IdempotencyKeys.Rule);
        }

        if (Order.PaymentKey == idempotencyKey)
        {
            return amount == Order.PaidAmount
                ? AsOf(OrderStatus.Paid)
                : new Error(ErrorKind.Unprocessable, $"Idempotency key '{idempotencyKey}' was used to pay {Order.PaidAmount}, not {amount}.");
        }

        await SettlePendingStock();
        if (Order.Status == OrderStatus.PendingPayment && DateTimeOffset.UtcNow >= Order.PaymentDueAt)
        {
            await Expire();
        }

        if (Order.Status != OrderStatus.PendingPayment)
        {
            return Refuse("pay");
        }

        if (amount != Order.Total())
        {
            return new Error(ErrorKind.Unprocessable, $"The amount {amount} does not match the order total {Order.Total()} {Order.Currency}.");
        }

        Order.PaymentKey = idempotencyKey;
        Order.PaidAmount = amount;
        await Transition(OrderStatus.Paid, StockAction.Commit, reason: null);
        OrderEvents.Paid(log, OrderId);
        await Unremind();
        return View();
    }

    public Task<Result<OrderView>> Ship() => Advance(OrderStatus.Paid, OrderStatus.Shipped, "ship");

    public Task<Result<OrderView>> Deliver() => Advance(OrderStatus.Shipped, OrderStatus.Delivered, "deliver");

    public async Task<Result<OrderView>> Cancel()
    {
        await SettlePendingStock();
        var action = Order.Status switch
        {
            OrderStatus.PendingPayment => StockAction.Release,
            OrderStatus.Paid => StockAction.Return,
            _ => StockAction.None,
        };
        if (action == StockAction.None)
        {
            return Refuse("cancel");
        }

        await Transition(OrderStatus.Cancelled, action, reason: null);
        await Unremind();
        return View();
    }

    public Task<ReservationFate> GetReservationFate() => Task.FromResult(Order.Status switch
    {
        OrderStatus.None => ReservationFate.Release,
        OrderStatus.Placing => ReservationFate.Keep,
        _ when Order.PendingStock != StockAction.None => ReservationFate.Keep,
        _ => ReservationFate.Forget,
    });

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await SettlePendingStock();
        switch (Order.Status)
        {
            case OrderStatus.Placing:
                // Placement runs within one turn; finding it unfinished here means the activation that ran it died.
                await Abandon();
                return;
            case OrderStatus.PendingPayment when DateTimeOffset.UtcNow < Order.PaymentDueAt:
                await Remind(Order.PaymentDueAt - DateTimeOffset.UtcNow);
                return;
            case OrderStatus.PendingPayment:
                await Expire();
                break;
        }

        await Unremind();
    }

    /// <summary>Persists the order as Placing, before any stock is touched.</summary>
    private async Task Begin(PlaceOrder command)
    {
        var now = DateTimeOffset.UtcNow;
        Order.OrderId = OrderId;
        Order.CustomerId = command.CustomerId;
        Order.CheckoutKey = command.CheckoutKey;
        Order.Status = OrderStatus.Placing;
        Order.Lines = command.Lines.Select(l => new OrderLineState { Sku = l.Sku, Quantity = l.Quantity }).ToList();
        Order.CreatedAt = now;
        Order.PaymentDueAt = now + Options.PaymentWindow;
        await Save();
    }

    /// <summary>
    /// Registers the reminder that undoes an interrupted placement, on every placement attempt: an attempt that
    /// failed to register it must not leave an order that nothing would ever expire. A tick that finds no order
    /// (its first write failed) only unregisters itself.
    /// </summary>
    private Task RemindToRecover() => Remind(Options.RecoveryDelay);

    private async Task Remind(TimeSpan due) => reminder = await this.RegisterOrUpdateReminder(ReminderName, due, Options.ReminderPeriod);

    /// <summary>Reserves every line under this order's id (repeatable: reservations are idempotent), all or nothing.</summary>
    private async Task<Result<OrderView>> ReserveLines()
    {
        Result<ReservedLine>[] reserved;
        try
        {
            reserved = await Task.WhenAll(Order.Lines.Select(l => Product(l.Sku).Reserve(OrderId, l.Quantity)));
        }
        catch
        {
            await Abandon();
            throw;
        }

        var refusal = Refusal(reserved);
        if (refusal is not null)
        {
            OrderEvents.Refused(log, OrderId, refusal);
            await Abandon();
            return refusal;
        }

        foreach (var (line, taken) in Order.Lines.Zip(reserved, (line, r) => (line, r.Value!)))
        {
            line.Name = taken.Name;
            line.UnitPrice = taken.UnitPrice;
        }

        Order.Currency = reserved[0].Value!.Currency;
        Order.Status = OrderStatus.PendingPayment;
        Order.History.Add(new StatusChange(OrderStatus.PendingPayment, Order.CreatedAt, null));
        await Save();
        await Acknowledge();
        OrderEvents.Placed(log, OrderId, Order.CustomerId);
        return View();
    }

    private async Task<Result<OrderView>> Advance(OrderStatus from, OrderStatus to, string action)
    {
        await SettlePendingStock();
        if (Order.Status != from)
        {
            return Refuse(action);
        }

        await Transition(to, StockAction.None, reason: null);
        return View();
    }

    private async Task Expire()
    {
        await Transition(OrderStatus.Cancelled, StockAction.Release, "payment window expired");
        OrderEvents.Expired(log, OrderId);
    }

    /// <summary>Persists the new status with its pending stock effect first, then applies the effect.</summary>
    private async Task Transition(OrderStatus to, StockAction stock, string? reason)
    {
        Order.Status = to;
        Order.PendingStock = stock;
        Order.History.Add(new StatusChange(to, DateTimeOffset.UtcNow, reason));
        await Save();
        await SettlePendingStock();
    }

    /// <summary>
    /// Applies the stock effect a previous transition left pending, so a new one never overwrites it. A product that
    /// refuses keeps it pending: the reminder tries again and the consistency checker reports it.
    /// </summary>
    private async Task SettlePendingStock()
    {
        var action = Order.PendingStock;
        if (action == StockAction.None)
        {
            return;
        }

        var settlement = action == StockAction.Commit ? Settlement.Commit : Settlement.Release;
        var results = await Task.WhenAll(Order.Lines.Select(line => action == StockAction.Return
            ? ReturnLine(line)
            : Product(line.Sku).Settle(OrderId, line.Quantity, settlement)));
        if (results.FirstOrDefault(r => !r.IsSuccess) is { } refused)
        {
            throw new InvalidOperationException($"Order '{OrderId}': {action} of its stock was refused: {refused.Error!.Detail}");
        }

        Order.PendingStock = StockAction.None;
        await Save();
        if (action != StockAction.Return)
        {
            await Acknowledge();
        }
    }

    private async Task<Result<Done>> ReturnLine(OrderLineState line)
    {
        var result = await Product(line.Sku).ReturnStock(OrderId, line.Quantity);
        return result.IsSuccess ? Done.Instance : result.Error;
    }

    /// <summary>Tells each product the last stock call is recorded here, so the product can forget it (one-way).</summary>
    private Task Acknowledge() => Task.WhenAll(Order.Lines.Select(line => Product(line.Sku).Acknowledge(OrderId)));

    /// <summary>Undoes a placement that cannot finish: releases whatever was reserved and forgets the order.</summary>
    private async Task Abandon()
    {
        await Task.WhenAll(Order.Lines.Select(l => Product(l.Sku).Release(OrderId)));
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        await Unremind();
    }

    /// <summary>Persists the order, then projects it to the read model once it is visible to callers.</summary>
    private async Task Save()
    {
        await state.WriteStateAsync();
        if (Order.IsPlaced())
        {
            readModel.Project(Order.ToSummary());
        }
    }

    private async Task Unremind()
    {
        if (reminder is not null)
        {
            try
            {
                await this.UnregisterReminder(reminder);
                reminder = null;
                return;
            }
            catch (ReminderException)
            {
                // Changed or removed since this activation registered it (its version no longer matches): look it up.
            }
        }

        await this.DropReminder(ReminderName);
        reminder = null;
    }

    private static Error? Invalid(PlaceOrder command)
    {
        if (!Identifiers.IsValid(command.CustomerId))
        {
            return Error.Invalid("customerId", Identifiers.Rule);
        }

        if (!IdempotencyKeys.IsValid(command.CheckoutKey))
        {
            return Error.Invalid(IdempotencyKeys.Header, IdempotencyKeys.Rule);
        }

        if (command.Lines.Count is 0 or > Carts.CartGrain.MaxLines)
        {
            return Error.Invalid("lines", $"must hold 1 to {Carts.CartGrain.MaxLines} lines");
        }

        var bad = command.Lines.FirstOrDefault(l =>
            !Identifiers.IsValid(l.Sku) || l.Quantity is < 1 or > Validate.MaxLineQuantity);
        if (bad is not null)
        {
            return Error.Invalid("lines", $"line '{bad.Sku}': SKU {Identifiers.Rule}; quantity 1..{Validate.MaxLineQuantity}");
        }

        return command.Lines.DistinctBy(l => l.Sku).Count() == command.Lines.Count
            ? null
            : Error.Invalid("lines", "each SKU may appear only once");
    }

    private static Error? Refusal(Result<ReservedLine>[] reserved)
    {
        var errors = reserved.Where(r => !r.IsSuccess).Select(r => r.Error!).ToList();
        var shortages = errors.SelectMany(e => e.Shortages).ToImmutableArray();
        if (!shortages.IsEmpty)
        {
            return Error.InsufficientStock(shortages);
        }

        if (errors.Count > 0)
        {
            return errors[0];
        }

        return reserved.Select(r => r.Value!.Currency).Distinct().Count() == 1
            ? null
            : Error.Conflict("The cart's products are priced in different currencies; update the cart and try again.");
    }

    private IProductGrain Product(string sku) => GrainFactory.GetGrain<IProductGrain>(sku);

    private Error Refuse(string action) => Error.WrongStatus(Order.Status, action);

    private Error Missing() => Error.NotFound($"Order '{OrderId}' does not exist.");

    private OrderView View() => ViewWith(Order.Status, Order.History);

    /// <summary>The order as it was when it first entered <paramref name="status"/>: what that call answered then.</summary>
    private OrderView AsOf(OrderStatus status)
    {
        var entered = Order.History.FindIndex(h => h.Status == status);
        return ViewWith(status, Order.History.Take(entered + 1).ToList());
    }

    private OrderView ViewWith(OrderStatus status, IReadOnlyList<StatusChange> history) => new(
        OrderId,
        Order.CustomerId,
        status,
        Order.Lines.Select(l => new OrderLineView(l.Sku, l.Name, l.UnitPrice, l.Quantity, l.UnitPrice * l.Quantity)).ToList(),
        Order.Total(),
        Order.Currency,
        Order.CreatedAt,
        Order.PaymentDueAt,
        history);
}
