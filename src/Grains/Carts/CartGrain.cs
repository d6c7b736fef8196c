using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Orders;

namespace OrderActors.Grains.Carts;

/// <summary>
/// A customer's cart. It stores SKUs and quantities only; names and prices are read from the products.
/// Checkout is idempotent by key: the new order's id is derived from the customer and the key
/// (<see cref="OrderIds.ForCheckout"/>), so a repeat reaches the same order whether or not the cart stored the outcome
/// of the first attempt; the cart stores it once, with the emptied lines, to answer later repeats itself.
/// </summary>
[GrainType("cart")]
public sealed class CartGrain(
    [PersistentState("cart", StorageNames.Carts)] IPersistentState<CartState> state,
    IOptions<OrderOptions> options,
    ILogger<CartGrain> logger) : Grain, ICartGrain, IRemindable
{
    public const int MaxLines = 100;
    public const string ExpiryReminder = "cart-expiry";

    private string CustomerId => this.GetPrimaryKeyString();

    private CartState Cart => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A checkout stored as pending (before order ids were derived from the key, checkout stored its intent first)
        // is finished before anything else changes the cart; if that fails now, the client's retry finishes it.
        foreach (var (key, record) in Cart.Checkouts.Where(c => c.Value.Outcome == CheckoutOutcome.Pending).ToList())
        {
            try
            {
                await Finish(key, record);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not finish checkout of order {OrderId} for {CustomerId}", record.OrderId, CustomerId);
            }
        }
    }

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

        var product = await GrainFactory.Reference<IProductGrain>(sku).Get();
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
        return await View(known: product.Value);
    }

    public async Task<Result<CartView>> RemoveLine(string sku)
    {
        if (Cart.Lines.RemoveAll(l => l.Sku == sku) > 0)
        {
            await Persist();
        }

        return await View();
    }

    public async Task<Result<Done>> Clear()
    {
        if (Cart.Lines.Count > 0)
        {
            Cart.Lines.Clear();
            await Persist();
        }

        return Done.Instance;
    }

    public async Task<Result<OrderView>> Checkout(string idempotencyKey, ShippingDetails? shipping = null)
    {
        if (!IdempotencyKeys.IsValid(idempotencyKey))
        {
            return Error.Invalid(IdempotencyKeys.Header, IdempotencyKeys.Rule);
        }

        var invalid = Validate.Shipping(shipping);
        if (!invalid.IsEmpty)
        {
            return Error.Invalid(invalid);
        }

        // An empty body object says no more than no body: each is a repeat of the other.
        shipping = shipping is { ShippingAddress: null, Contact: null } ? null : shipping;
        if (Cart.Checkouts.TryGetValue(idempotencyKey, out var record))
        {
            // A repeat is the same request: the same key and body. The cart is not part of it: it may have changed since
            // (a retry whose first answer was lost while the customer went on shopping), and the key still stands for
            // what its first attempt did.
            return Equals(record.Shipping, shipping)
                ? await Finish(idempotencyKey, record)
                : new Error(ErrorKind.Unprocessable, $"Idempotency key '{idempotencyKey}' was used with other shipping details.");
        }

        var lines = RequestedLines();
        if (lines.Count == 0)
        {
            return Error.Invalid("cart", "The cart is empty.");
        }

        record = new CheckoutRecord
        {
            OrderId = OrderIds.ForCheckout(CustomerId, idempotencyKey),
            Lines = lines,
            At = DateTimeOffset.UtcNow,
            Shipping = shipping,
        };
        return await Finish(idempotencyKey, record);
    }

    /// <summary>Deletes the cart once it has been idle for the configured time; keeps unexpired idempotency keys until they expire.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var now = DateTimeOffset.UtcNow;
        var idleUntil = Cart.UpdatedAt + options.Value.CartIdleTime;
        if (now < idleUntil)
        {
            await this.RegisterOrUpdateReminder(ExpiryReminder, idleUntil - now, options.Value.CartIdleTime);
            return;
        }

        Cart.Lines.Clear();
        Cart.Currency = null;
        var retainUntil = Cart.Checkouts.Values.Select(c => c.At + options.Value.IdempotencyKeyRetention).DefaultIfEmpty(now).Max();
        if (retainUntil > now)
        {
            Prune(now);
            await state.WriteStateAsync();
            await this.RegisterOrUpdateReminder(ExpiryReminder, retainUntil - now, options.Value.CartIdleTime);
            return;
        }

        await this.DropReminder(ExpiryReminder);

        // Deletes the row (see StorageNames.Carts); the next use starts from a fresh activation and a fresh row.
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    /// <summary>Asks the recorded order to exist (or to finish existing) and records the answer.</summary>
    private async Task<Result<OrderView>> Finish(string key, CheckoutRecord record)
    {
        var order = GrainFactory.Reference<IOrderGrain>(record.OrderId);
        switch (record.Outcome)
        {
            case CheckoutOutcome.Placed:
                return await order.GetAsPlaced();
            case CheckoutOutcome.Refused:
                return record.Refusal!;
        }

        var placed = await order.Place(new PlaceOrder(CustomerId, record.Lines, key, record.Shipping));
        Cart.Checkouts[key] = record;
        if (placed.IsSuccess)
        {
            record.Outcome = CheckoutOutcome.Placed;
            // What the key placed: this content, or the content of a first attempt whose outcome this cart did not store.
            record.Lines = placed.Value!.Lines.Select(l => new RequestedLine(l.Sku, l.Quantity)).ToList();
            if (RequestedLines().SequenceEqual(record.Lines))
            {
                Cart.Lines.Clear();
            }
        }
        else
        {
            record.Outcome = CheckoutOutcome.Refused;
            record.Refusal = placed.Error;
        }

        await Persist();
        return placed;
    }

    /// <summary>The cart's content as a checkout sees it, and as its idempotency record remembers it.</summary>
    private List<RequestedLine> RequestedLines() => Cart.Lines.Select(l => new RequestedLine(l.Sku, l.Quantity)).ToList();

    private Error? Refusal(ProductView product, bool isNewLine)
    {
        if (!product.Active)
        {
            return Error.Conflict($"Product '{product.Sku}' is not for sale.");
        }

        if (Cart.Lines.Count > 0 && Cart.Currency != product.Currency)
        {
            return Error.Conflict($"Product '{product.Sku}' is priced in {product.Currency}; this cart is in {Cart.Currency}.");
        }

        return isNewLine && Cart.Lines.Count >= MaxLines
            ? Error.Conflict($"A cart holds at most {MaxLines} lines.")
            : null;
    }

    private async Task Persist()
    {
        var now = DateTimeOffset.UtcNow;
        Cart.CustomerId = CustomerId;
        Cart.UpdatedAt = now;
        if (Cart.Lines.Count == 0)
        {
            Cart.Currency = null;
        }

        Prune(now);
        if (!Cart.ExpiryScheduled)
        {
            await this.RegisterOrUpdateReminder(ExpiryReminder, options.Value.CartIdleTime, options.Value.CartIdleTime);
            Cart.ExpiryScheduled = true;
        }

        await state.WriteStateAsync();
    }

    /// <summary>Forgets settled checkouts older than the retention; a pending one is kept until it is finished.</summary>
    private void Prune(DateTimeOffset now)
    {
        var cutoff = now - options.Value.IdempotencyKeyRetention;
        foreach (var key in Cart.Checkouts.Where(c => c.Value.At < cutoff && c.Value.Outcome != CheckoutOutcome.Pending).Select(c => c.Key).ToList())
        {
            Cart.Checkouts.Remove(key);
        }
    }

    /// <summary>The cart with each line's name and price as its product gives them; <paramref name="known"/>: a product just read, not asked again.</summary>
    private async Task<CartView> View(ProductView? known = null)
    {
        var products = await Task.WhenAll(Cart.Lines.Select(async l =>
            known is not null && l.Sku == known.Sku ? known : (await GrainFactory.Reference<IProductGrain>(l.Sku).Get()).Value!));
        var lines = Cart.Lines.Zip(products, (line, view) =>
            new CartLineView(line.Sku, view.Name, view.Price, line.Quantity, view.Price * line.Quantity)).ToList();
        return new CartView(CustomerId, lines, lines.Sum(l => l.LineTotal), Cart.Lines.Count == 0 ? null : Cart.Currency);
    }
}
