using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Deadlines;

namespace OrderActors.Grains.Orders;

/// <summary>
/// One order (docs/checkout.md). Placement reserves first and stores the order once, awaiting payment; payment commits
/// the stock first and stores the order once, paid. Neither needs an earlier write of intent: until the order has
/// stored the outcome and acknowledged it, each product keeps a record of the call, and its audit asks this order
/// what to do with it. Cancellation and expiry are persisted before their stock effect (see
/// <see cref="OrderState.PendingStock"/>). An unfinished order is tracked by a deadline shard (<see cref="IDeadlineGrain"/>),
/// which expires it after the payment window and retries a stock effect left pending.
/// </summary>
[GrainType("order")]
public sealed class OrderGrain(
    [PersistentState("order", StorageNames.Orders)] IPersistentState<OrderState> state,
    IOptions<OrderOptions> options,
    ILogger<OrderGrain> log) : Grain, IOrderGrain, IRemindable
{
    /// <summary>The reminder of orders stored before deadline shards; a tick hands the order over to its shard.</summary>
    public const string ReminderName = "order-deadline";

    /// <summary>
    /// Whether this activation is placing or paying: stock calls it has made are not stored here yet, so a product
    /// asking about them must keep its records.
    /// </summary>
    private bool working;

    private string OrderId => this.GetPrimaryKeyString();

    private OrderState Order => state.State;

    private OrderOptions Options => options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Order.Outbox.Loaded();
        return Task.CompletedTask;
    }

    public async Task<Result<OrderView>> Place(PlaceOrder command)
    {
        if (Order.Status != OrderStatus.None)
        {
            if (Order.CustomerId != command.CustomerId || Order.CheckoutKey != command.CheckoutKey)
            {
                return Error.Conflict($"Order '{OrderId}' already exists.");
            }

            // The key's first attempt placed this order and its cart did not store the outcome: the order answers as
            // placed, whatever the cart holds now. One stored as Placing (before placements stored nothing until done)
            // continues: its reservations repeat.
            if (Order.Status != OrderStatus.Placing)
            {
                return AsOf(OrderStatus.PendingPayment);
            }
        }
        else
        {
            var invalid = Invalid(command);
            if (invalid is not null)
            {
                return invalid;
            }

            Begin(command);
        }

        return await ReserveLines();
    }

    public Task<Result<OrderView>> Get() =>
        Task.FromResult<Result<OrderView>>(Order.IsPlaced() ? View() : Missing());

    public Task<Result<OrderView>> GetAsPlaced() =>
        Task.FromResult<Result<OrderView>>(Order.IsPlaced() ? AsOf(OrderStatus.PendingPayment) : Missing());

    public async Task<Result<OrderView>> Pay(Payment payment)
    {
        var invalid = Invalid(payment);
        if (invalid is not null)
        {
            return invalid;
        }

        // First, so that a client retrying a payment whose stock commit failed is what finishes it.
        await SettlePendingStock();
        if (!Order.IsPlaced())
        {
            return Missing();
        }

        if (Order.PaymentKey == payment.Key || (payment.PaymentId is not null && Order.PaymentId == payment.PaymentId))
        {
            return payment.Amount == Order.PaidAmount
                ? AsOf(OrderStatus.Paid)
                : new Error(ErrorKind.Unprocessable, $"Payment '{payment.Key}' paid {Order.PaidAmount}, not {payment.Amount}.");
        }

        if (Order.ProcessedEvents.Contains(payment.Key) || Order.Refunds.Exists(r => r.PaymentId is not null && r.PaymentId == payment.PaymentId))
        {
            return Error.Conflict($"Payment '{payment.Key}' was already recorded: it did not pay order '{OrderId}' and its refund was requested.");
        }

        if (Order.Status == OrderStatus.PendingPayment && DateTimeOffset.UtcNow >= Order.PaymentDueAt)
        {
            await Expire();
        }

        var refusal = Refusal(payment);
        if (refusal is not null)
        {
            return payment.PaymentId is null ? refusal : await Refund(payment, refusal);
        }

        await CommitStock();
        Order.PaymentKey = payment.Key;
        Order.PaidAmount = payment.Amount;
        Order.PaymentId = payment.PaymentId;
        Enter(OrderStatus.Paid, StockAction.None);
        await Save();
        Acknowledge(ReservationStage.Committed);
        Untrack(Order.PaymentDueAt);
        OrderEvents.Paid(log, OrderId);
        return View();
    }

    public async Task<Result<OrderView>> SettleRefund(RefundOutcome outcome)
    {
        if (!IdempotencyKeys.IsValid(outcome.EventId))
        {
            return Error.Invalid("eventId", IdempotencyKeys.Rule);
        }

        await SettlePendingStock();
        if (!Order.IsPlaced())
        {
            return Missing();
        }

        if (Order.ProcessedEvents.Contains(outcome.EventId))
        {
            return View();
        }

        var refund = Order.Refunds.Find(r => r.PaymentId == outcome.PaymentId && r.IsOwed());
        if (refund is null)
        {
            return Error.Conflict($"Order '{OrderId}' owes no refund for payment '{outcome.PaymentId}'.");
        }

        Order.ProcessedEvents.Add(outcome.EventId);
        refund.Status = outcome.Succeeded ? RefundStatus.Succeeded : RefundStatus.Failed;
        if (Order.Status == OrderStatus.Cancelled && !Order.Refunds.Exists(r => r.IsOwed()))
        {
            Enter(OrderStatus.Refunded, StockAction.None);
        }

        await Save();
        OrderEvents.RefundSettled(log, OrderId, outcome.Succeeded);
        return View();
    }

    public async Task<Result<OrderView>> Ship()
    {
        await SettlePendingStock();
        if (Order.Status == OrderStatus.Paid && Order.Lines.Exists(l => l.RequiresShipping) && Order.Shipping?.ShippingAddress is null)
        {
            return Error.Conflict($"Order '{OrderId}' holds products that need shipping but has no shippingAddress: " +
                                  $"set it with PUT /api/orders/{OrderId}/shipping.");
        }

        return await Advance(OrderStatus.Paid, OrderStatus.Shipped, "ship");
    }

    public async Task<Result<OrderView>> ChangeShipping(ShippingDetails details)
    {
        var errors = Validate.Shipping(details);
        if (!errors.IsEmpty)
        {
            return Error.Invalid(errors);
        }

        await SettlePendingStock();
        if (!Order.IsPlaced())
        {
            return Missing();
        }

        if (Order.Status is not (OrderStatus.PendingPayment or OrderStatus.Paid))
        {
            return Refuse("change the shipping details of");
        }

        // A history entry in the same status: who changed the details and when (the details themselves stay out of it).
        Order.Shipping = details;
        Order.History.Add(new StatusChange(Order.Status, DateTimeOffset.UtcNow, "shipping details changed", Actors.Current));
        Order.Outbox.Add(OrderId, "order.shipping_changed", new { order = View() });
        await Save();
        return View();
    }

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

        var wasPaid = Order.Status == OrderStatus.Paid;
        Enter(OrderStatus.Cancelled, action);
        if (wasPaid)
        {
            RequestRefund(Order.PaymentId, Order.PaidAmount ?? Order.Total(), Order.Currency, "order cancelled after payment");
        }

        await Save();
        await SettlePendingStock();
        Untrack(Order.PaymentDueAt);
        return View();
    }

    public async Task<ReservationFate> GetReservationFate(string sku, ReservationStage stage, long number)
    {
        if (working)
        {
            return ReservationFate.Keep;
        }

        if (stage == ReservationStage.Reserved && number != 0 && Order.Lines.Find(l => l.Sku == sku) is { ReservationNumber: not 0 } line && line.ReservationNumber != number)
        {
            // Taken by an outdated copy of this order (a silo cut off, then healed) after this one's reservation.
            return ReservationFate.Release;
        }

        switch (Order.Status)
        {
            case OrderStatus.None:
                return ReservationFate.Release;
            case OrderStatus.Placing:
                return ReservationFate.Keep;
            case OrderStatus.PendingPayment when stage == ReservationStage.Committed:
                // A sale whose payment was not stored: the payment's retry finishes it, or expiry releases it.
                return ReservationFate.Keep;
            case OrderStatus.PendingPayment:
                // The placement's acknowledgement was lost, and with it maybe the deadline it was stored beside.
                await Track(Order.PaymentDueAt);
                return ReservationFate.Forget;
            default:
                return Order.PendingStock == StockAction.None ? ReservationFate.Forget : ReservationFate.Keep;
        }
    }

    public async Task<DateTimeOffset?> CheckDeadline()
    {
        await SettlePendingStock();
        switch (Order.Status)
        {
            case OrderStatus.Placing:
                // Stored by a placement that wrote Placing first and died: undone, as that design's reminder did.
                await Abandon();
                return null;
            case OrderStatus.PendingPayment when DateTimeOffset.UtcNow < Order.PaymentDueAt:
                return Order.PaymentDueAt;
            case OrderStatus.PendingPayment:
                await Expire();
                return null;
            default:
                return null;
        }
    }

    /// <summary>An order stored with a reminder of its own (before deadline shards) hands itself over to its shard.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (await CheckDeadline() is { } due)
        {
            await Track(due);
        }

        await this.DropReminder(ReminderName);
    }

    /// <summary>Fills in the new order in memory; nothing is stored until its stock is reserved.</summary>
    private void Begin(PlaceOrder command)
    {
        var now = DateTimeOffset.UtcNow;
        Order.OrderId = OrderId;
        Order.CustomerId = command.CustomerId;
        Order.CheckoutKey = command.CheckoutKey;
        Order.Status = OrderStatus.Placing;
        Order.Lines = command.Lines.Select(l => new OrderLineState { Sku = l.Sku, Quantity = l.Quantity }).ToList();
        Order.Shipping = command.Shipping;
        Order.CreatedAt = now;
        Order.PaymentDueAt = now + Options.PaymentWindow;
    }

    /// <summary>
    /// Reserves every line under this order's id (repeatable: reservations are idempotent), all or nothing, then stores
    /// the order awaiting payment beside its deadline. A crash before that store leaves only product records, which
    /// their audits release once this order answers that it does not exist.
    /// </summary>
    private async Task<Result<OrderView>> ReserveLines()
    {
        working = true;
        try
        {
            return await ReserveAndStore();
        }
        finally
        {
            working = false;
        }
    }

    private async Task<Result<OrderView>> ReserveAndStore()
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
            line.RequiresShipping = taken.RequiresShipping;
            line.ReservationNumber = taken.Number;
        }

        Order.Currency = reserved[0].Value!.Currency;
        Order.Status = OrderStatus.PendingPayment;
        Order.History.Add(new StatusChange(OrderStatus.PendingPayment, Order.CreatedAt, null, Actors.Current));
        Order.Outbox.Add(OrderId, "order.placed", new { order = View() });
        await Save();
        TrackThenAcknowledge();
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

        await Transition(to, StockAction.None);
        return View();
    }

    private async Task Expire()
    {
        await Transition(OrderStatus.Cancelled, StockAction.Release, "payment window expired", "order.expired");
        OrderEvents.Expired(log, OrderId);
    }

    /// <summary>
    /// Persists the new status with its pending stock effect, who asked, and its event first, then applies the effect.
    /// The event is named after the status (<c>order.paid</c>) unless the reason has a name of its own.
    /// </summary>
    private async Task Transition(OrderStatus to, StockAction stock, string? reason = null, string? eventType = null)
    {
        Enter(to, stock, reason, eventType);
        await Save();
        await SettlePendingStock();
    }

    /// <summary>Records the new status, its pending stock effect, who asked, and its event; the caller saves.</summary>
    private void Enter(OrderStatus to, StockAction stock, string? reason = null, string? eventType = null)
    {
        Order.Status = to;
        Order.PendingStock = stock;
        Order.History.Add(new StatusChange(to, DateTimeOffset.UtcNow, reason, Actors.Current));
        Order.Outbox.Add(OrderId, eventType ?? $"order.{to.ToString().ToLowerInvariant()}", new { order = View(), reason, paymentId = Order.PaymentId });
    }

    /// <summary>
    /// Records money the provider took that cannot pay the order, and asks for it back, in one write: the refund request
    /// is an <c>order.refund_requested</c> event, delivered through the outbox to whatever integrates the provider.
    /// </summary>
    private async Task<Result<OrderView>> Refund(Payment payment, Error refusal)
    {
        Order.ProcessedEvents.Add(payment.Key);
        RequestRefund(payment.PaymentId, payment.Amount, payment.Currency ?? Order.Currency, refusal.Detail);
        await Save();
        OrderEvents.PaymentRefunded(log, OrderId);
        return refusal with { Detail = $"{refusal.Detail} The payment was recorded and its refund requested." };
    }

    /// <summary>Adds a refund the order owes and its event; the caller saves.</summary>
    private void RequestRefund(string? paymentId, decimal amount, string currency, string reason)
    {
        Order.Refunds.Add(new RefundState
        {
            PaymentId = paymentId,
            Amount = amount,
            Currency = currency,
            Reason = reason,
            Status = RefundStatus.Requested,
            RequestedAt = DateTimeOffset.UtcNow,
        });
        Order.Outbox.Add(OrderId, "order.refund_requested", new { paymentId, amount, currency, reason, order = View() });
        Metrics.RefundsRequested.Add(1);
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

        try
        {
            if (await ApplyStock(action) is { } refused)
            {
                throw new InvalidOperationException($"Order '{OrderId}': {action} of its stock was refused: {refused.Detail}");
            }
        }
        catch
        {
            // The effect stays pending in the stored order; its shard asks it to try again after a reminder period.
            await Track(DateTimeOffset.UtcNow + Options.ReminderPeriod);
            throw;
        }

        Order.PendingStock = StockAction.None;
        await Save();
        if (action != StockAction.Return)
        {
            Acknowledge(action == StockAction.Commit ? ReservationStage.Committed : ReservationStage.Released);
        }
    }

    /// <summary>Applies a stock effect to every line at once; the first product's refusal, or null when all accepted.</summary>
    private async Task<Error?> ApplyStock(StockAction action)
    {
        var settlement = action == StockAction.Commit ? Settlement.Commit : Settlement.Release;
        var results = await Task.WhenAll(Order.Lines.Select(line => action == StockAction.Return
            ? ReturnLine(line)
            : Product(line.Sku).Settle(OrderId, line.Quantity, settlement, line.ReservationNumber)));
        return results.FirstOrDefault(r => !r.IsSuccess)?.Error;
    }

    private async Task<Result<Done>> ReturnLine(OrderLineState line)
    {
        var result = await Product(line.Sku).ReturnStock(OrderId, line.Quantity);
        return result.IsSuccess ? Done.Instance : result.Error;
    }

    /// <summary>
    /// Tells each product (one-way) that the stock call that left this order's reservation at <paramref name="stage"/>
    /// is recorded here, so the product can forget it. The product forgets only a record still at that stage, so an
    /// acknowledgement overtaken by this order's next call changes nothing; one that is lost is left to its audit.
    /// </summary>
    private void Acknowledge(ReservationStage stage) => Acknowledge(Order.Lines.Select(l => l.Sku), stage);

    private void Acknowledge(IEnumerable<string> skus, ReservationStage stage)
    {
        foreach (var sku in skus)
        {
            Product(sku).Acknowledge(OrderId, stage).Ignore();
        }
    }

    /// <summary>
    /// Stores the payment deadline in the order's shard, then acknowledges the reservations. The client need not wait
    /// for either: until the acknowledgements arrive, the products keep their records, and their audit asks this order,
    /// which then tracks its deadline again (<see cref="GetReservationFate"/>).
    /// </summary>
    private void TrackThenAcknowledge() => TrackThenAcknowledge(Order.PaymentDueAt, Order.Lines.Select(l => l.Sku).ToList()).Ignore();

    private async Task TrackThenAcknowledge(DateTimeOffset due, IReadOnlyList<string> skus)
    {
        await Track(due);
        Acknowledge(skus, ReservationStage.Reserved);
    }

    /// <summary>Undoes a placement that cannot finish: releases whatever was reserved and forgets the order.</summary>
    private async Task Abandon()
    {
        await Task.WhenAll(Order.Lines.Select(l => Product(l.Sku).Release(OrderId)));
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }
        else
        {
            state.State = new OrderState();
        }
    }

    /// <summary>
    /// Sells every line's reserved units before the payment is stored (the products keep a record of each sale until
    /// this order acknowledges it). A product that refuses — a second activation of it seen during a silo's shutdown
    /// — fails the payment as a dependency failure: nothing is stored, and the client's retry finds the product settled.
    /// </summary>
    private async Task CommitStock()
    {
        working = true;
        try
        {
            if (await ApplyStock(StockAction.Commit) is { } refused)
            {
                throw new DependencyUnavailableException($"Order '{OrderId}': the sale of its stock was refused: {refused.Detail}");
            }
        }
        finally
        {
            working = false;
        }
    }

    /// <summary>Persists the order with the events of its change (the listings and integrations read them from the log).</summary>
    private Task Save() => Order.Outbox.Write(state.WriteStateAsync);

    private IDeadlineGrain Deadlines() => GrainFactory.Reference<IDeadlineGrain>(DeadlineGrain.KeyFor(OrderId, Options.DeadlineShards));

    private Task Track(DateTimeOffset due) => Deadlines().Track(OrderId, due);

    /// <summary>Tells the shard (one-way) that the deadline tracked for <paramref name="due"/> is no longer needed.</summary>
    private void Untrack(DateTimeOffset due) => Deadlines().Untrack(OrderId, due).Ignore();

    /// <summary>Why <paramref name="payment"/> cannot pay the order as it is now, or null when it can.</summary>
    private Error? Refusal(Payment payment)
    {
        if (Order.Status != OrderStatus.PendingPayment)
        {
            return Refuse("pay");
        }

        var currency = payment.Currency ?? Order.Currency;
        return payment.Amount == Order.Total() && currency == Order.Currency
            ? null
            : new Error(ErrorKind.Unprocessable, $"The amount {payment.Amount} {currency} does not match the order total {Order.Total()} {Order.Currency}.");
    }

    private static Error? Invalid(Payment payment)
    {
        if (!IdempotencyKeys.IsValid(payment.Key))
        {
            return Error.Invalid(IdempotencyKeys.Header, IdempotencyKeys.Rule);
        }

        if (payment.Amount <= 0)
        {
            return Error.Invalid("amount", "must be greater than 0");
        }

        if (payment.Currency is not null && !Money.IsCurrency(payment.Currency))
        {
            return Error.Invalid("currency", "must be an ISO 4217 currency code such as USD or EUR");
        }

        return payment.PaymentId is null || IdempotencyKeys.IsValid(payment.PaymentId)
            ? null
            : Error.Invalid("paymentId", IdempotencyKeys.Rule);
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

        var shipping = Validate.Shipping(command.Shipping);
        if (!shipping.IsEmpty)
        {
            return Error.Invalid(shipping);
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

    private IProductGrain Product(string sku) => GrainFactory.Reference<IProductGrain>(sku);

    private Error Refuse(string action) => Error.WrongStatus(Order.Status, action);

    private Error Missing() => Error.NotFound($"Order '{OrderId}' does not exist.");

    private OrderView View() => ViewWith(Order.Status, Order.History, Order.Refunds);

    /// <summary>
    /// The order as it was when it first entered <paramref name="status"/>: what that call answered then. Refunds asked
    /// for by then are shown as they stand now.
    /// </summary>
    private OrderView AsOf(OrderStatus status)
    {
        var entered = Order.History.FindIndex(h => h.Status == status);
        var at = Order.History[entered].At;
        return ViewWith(status, Order.History.Take(entered + 1).ToList(), Order.Refunds.Where(r => r.RequestedAt <= at).ToList());
    }

    private OrderView ViewWith(OrderStatus status, IReadOnlyList<StatusChange> history, IEnumerable<RefundState> refunds) => new(
        OrderId,
        Order.CustomerId,
        status,
        Order.Lines.Select(l => new OrderLineView(l.Sku, l.Name, l.UnitPrice, l.Quantity, l.UnitPrice * l.Quantity, l.RequiresShipping)).ToList(),
        Order.Total(),
        Order.Currency,
        Order.CreatedAt,
        Order.PaymentDueAt,
        history,
        status == OrderStatus.PendingPayment ? null : Order.PaymentId,
        refunds.Select(r => r.ToView()).ToList(),
        Order.Shipping);
}
