using Microsoft.Extensions.Options;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;
using OrderActors.Grains.Orders;
using Orleans.Concurrency;

namespace OrderActors.Grains.Products;

/// <summary>
/// The product aggregate. Each method validates, changes state, persists, then replies.
/// Each reservation step is recorded under its order's id until the order acknowledges it (see
/// <see cref="ProductState.Reservations"/>); while records are kept, a reminder audits the old ones with their orders, so
/// neither a lost acknowledgement nor a reservation whose order never came to exist (a crash mid-checkout) outlives
/// the recovery delay.
/// </summary>
/// <remarks>
/// Reentrant so that a hot product's writes can be grouped (<see cref="GroupCommit"/>): while one write is in flight,
/// the next calls run, and their changes go out together in the following write. It is still correct because
/// (1) every check and the change it guards run in one synchronous stretch, before the method's first await, so no
/// other call can interleave between "enough available?" and "reserve"; (2) no reply — success, refusal or read —
/// leaves before a write that started after everything it observed has completed, so nothing is acknowledged that
/// is not durable; (3) a failed write fails every waiting caller, and the silo's rule for failed writes discards the
/// activation with the changes that were not stored. All stock operations are idempotent, so a caller who saw a failure can simply retry.
/// </remarks>
[GrainType("product"), Reentrant]
public sealed class ProductGrain : Grain, IProductGrain, IRemindable
{
    public const string AuditReminder = "reservation-audit";
    private const int MaxStock = 1_000_000_000;

    private readonly IPersistentState<ProductState> state;
    private readonly IOptions<OrderOptions> options;
    private readonly IOptions<EventOptions> events;
    private readonly GroupCommit writes;

    /// <summary>The audit reminder, registered once per activation by the first stock call.</summary>
    private readonly ReminderOnce audit = new(AuditReminder);

    /// <summary>The most stock announcements a product at rest may make in a row (see <see cref="announcements"/>).</summary>
    private const double AnnouncementBurst = 2;

    /// <summary>
    /// How many announcements this activation may make now: one more per <see cref="EventOptions.StockChangeInterval"/>,
    /// at most <see cref="AnnouncementBurst"/>. A hot product announces once per interval; one that nobody else is
    /// buying announces a reservation and the sale that follows it in their own writes, with no timer's write after them.
    /// </summary>
    private double announcements = AnnouncementBurst;

    /// <summary>When <see cref="announcements"/> was last brought up to date.</summary>
    private DateTime announcementsCounted = DateTime.UtcNow;

    /// <summary>Whether acknowledgements forgot records that storage still holds (no write has started since).</summary>
    private bool forgottenUnstored;

    /// <summary>
    /// The timer of a write no caller waits for: stock changes a write left unannounced, or records forgotten by
    /// acknowledgements that no other write has carried yet. It fires at the earliest moment either asked for.
    /// </summary>
    private IGrainTimer? later;

    /// <summary>When <see cref="later"/> fires.</summary>
    private DateTime laterDue;

    public ProductGrain(
        [PersistentState("product", StorageNames.Orders)] IPersistentState<ProductState> state,
        IOptions<OrderOptions> options,
        IOptions<EventOptions> events)
    {
        this.state = state;
        this.options = options;
        this.events = events;
        writes = new GroupCommit(Write);
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Product.Outbox.Loaded();
        // Stock changes stored but not announced (the last activation ended, or its silo died, within an interval):
        // the first write announces them.
        if (Product.Exists && Product.Version != Product.AnnouncedVersion)
        {
            writes.Persist().Ignore();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stores what acknowledgements forgot before the activation goes, so that its next activation's audit need not ask
    /// their orders again. Best effort: a record left stored is audited as after a crash. An activation discarded after
    /// a failed write stores nothing: its state may hold changes that never were.
    /// </summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        forgottenUnstored && !writes.Failed ? writes.Persist() : Task.CompletedTask;

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
            return await AfterDurable<ProductView>(Error.Conflict($"Product '{Sku}' already exists."));
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
        Product.RequiresShipping = command.RequiresShipping;
        return await Persist("product.created");
    }

    public Task<Result<ProductView>> Get() => AfterDurable<ProductView>(Product.Exists ? View() : Missing());

    public async Task<Result<ProductView>> Update(UpdateProduct command)
    {
        var errors = Validate.Product(Sku, command.Name, command.Description, command.Price, command.Currency);
        if (!errors.IsEmpty)
        {
            return Error.Invalid(errors);
        }

        if (!Product.Exists)
        {
            return await AfterDurable<ProductView>(Missing());
        }

        if (command.AcceptedVersions is { } accepted && !accepted.Contains(Product.Version))
        {
            return await AfterDurable<ProductView>(new Error(ErrorKind.PreconditionFailed,
                $"Product '{Sku}' is at version {Product.Version}; read it again and retry."));
        }

        Product.Name = command.Name;
        Product.Description = command.Description;
        Product.Price = command.Price;
        Product.Currency = command.Currency;
        Product.RequiresShipping = command.RequiresShipping ?? Product.RequiresShipping;
        return await Persist("product.updated");
    }

    public async Task<Result<ProductView>> AdjustStock(int delta)
    {
        if (!Product.Exists)
        {
            return await AfterDurable<ProductView>(Missing());
        }

        var onHand = (long)Product.OnHand + delta;
        if (onHand < Product.Reserved)
        {
            return await AfterDurable<ProductView>(Error.Conflict(
                $"Adjusting by {delta} would leave {onHand} on hand, below the {Product.Reserved} reserved."));
        }

        if (onHand > MaxStock)
        {
            return Error.Invalid("delta", $"would take the stock on hand above {MaxStock}");
        }

        Product.OnHand = (int)onHand;
        Product.Adjusted += delta;
        return await Persist("product.stock_adjusted", delta);
    }

    public async Task<Result<ProductView>> Deactivate()
    {
        if (!Product.Exists)
        {
            return await AfterDurable<ProductView>(Missing());
        }

        if (!Product.Active)
        {
            return await AfterDurable<ProductView>(View());
        }

        Product.Active = false;
        return await Persist("product.deactivated");
    }

    public async Task<Result<ReservedLine>> Reserve(string reservationId, int quantity)
    {
        if (quantity is < 1 or > Validate.MaxLineQuantity)
        {
            return Error.Invalid("quantity", $"must be between 1 and {Validate.MaxLineQuantity}");
        }

        if (Product.Reservations.TryGetValue(reservationId, out var held))
        {
            if (held.Stage != ReservationStage.Reserved || held.Quantity != quantity)
            {
                return await AfterDurable<ReservedLine>(Contradicts(reservationId, held));
            }

            // A new record for the repeat: an audit already asking about the old one leaves it alone (its order is placing again).
            Product.Reservations[reservationId] = new ReservationState { Quantity = quantity, ReservedAt = DateTimeOffset.UtcNow, Stage = held.Stage, Number = held.Number };
            return await AfterDurable<ReservedLine>(Line(quantity, held.Number));
        }

        var available = Product.Exists && Product.Active ? Product.Available() : 0;
        if (available < quantity)
        {
            return await AfterDurable<ReservedLine>(Error.InsufficientStock([new Shortage(Sku, quantity, available)]));
        }

        Product.Reserved += quantity;
        var number = ++Product.LastReservationNumber;
        Product.Open.Open(number);
        var line = Line(quantity, number);
        await Record(reservationId, ReservationStage.Reserved, quantity, number);
        return line;
    }

    public async Task<Result<Done>> Release(string reservationId)
    {
        var held = Product.Reservations.GetValueOrDefault(reservationId);
        if (held?.Stage != ReservationStage.Reserved)
        {
            await writes.Durable();
            return Done.Instance;
        }

        Undo(reservationId, held);
        await Persist();
        return Done.Instance;
    }

    public async Task<Result<Done>> Settle(string reservationId, int quantity, Settlement settlement, long number)
    {
        var stage = settlement == Settlement.Commit ? ReservationStage.Committed : ReservationStage.Released;
        var recorded = Product.Reservations.GetValueOrDefault(reservationId);
        var stray = IsStray(recorded, number) ? recorded : null;
        var held = stray is null ? recorded : null;

        if (held is { Stage: ReservationStage.Committed } && stage == ReservationStage.Released && held.Quantity == quantity)
        {
            // A sale whose order never stored its payment (it sells before it stores), now expired or cancelled: undone.
            Product.OnHand += quantity;
            Product.Sold -= quantity;
            await Record(reservationId, stage, quantity, held.Number);
            return Done.Instance;
        }

        if (held is not null && held.Stage != ReservationStage.Reserved)
        {
            return await AfterDurable<Done>(held.Stage == stage && held.Quantity == quantity ? Done.Instance : Contradicts(reservationId, held));
        }

        if (held is null && number != 0 && !Product.Open.IsOpen(number))
        {
            // An acknowledged reservation keeps its units in Reserved and its number open. A closed number was settled
            // before and this repeats it, from an outdated copy of the order: a release finds nothing to give back, a
            // sale nothing to sell.
            return await AfterDurable<Done>(settlement == Settlement.Release ? Done.Instance : Error.Conflict(
                $"Cannot settle {quantity} units of '{Sku}' for '{reservationId}': reservation {number} holds no units any more (it was settled)."));
        }

        if (SettlementRefusal(held, quantity, number) is { } refusal)
        {
            return await AfterDurable<Done>(Error.Conflict($"Cannot settle {quantity} units of '{Sku}' for '{reservationId}': {refusal}."));
        }

        if (stray is not null)
        {
            Undo(reservationId, stray);
        }

        number = held?.Number ?? number;
        Product.Reserved -= quantity;
        Product.Open.Close(number);
        if (settlement == Settlement.Commit)
        {
            Product.OnHand -= quantity;
            Product.Sold += quantity;
        }

        await Record(reservationId, stage, quantity, number);
        return Done.Instance;
    }

    /// <summary>
    /// Forgets the record in memory at once and in storage with the next write that happens anyway — a stock call's,
    /// or the one <see cref="OrderOptions.AcknowledgementWriteDelay"/> later if none comes first. Until then storage
    /// holds a record the order has finished with; a crash in between only makes the next activation's audit ask the
    /// order, which answers <see cref="ReservationFate.Forget"/>.
    /// </summary>
    public Task Acknowledge(string reservationId, ReservationStage stage)
    {
        if (Product.Reservations.GetValueOrDefault(reservationId)?.Stage == stage)
        {
            Product.Reservations.Remove(reservationId);
            forgottenUnstored = true;
            WriteLater(options.Value.AcknowledgementWriteDelay);
        }

        return Task.CompletedTask;
    }

    public async Task<Result<ProductView>> ReturnStock(string returnId, int quantity)
    {
        if (quantity is < 1 or > MaxStock)
        {
            return Error.Invalid("quantity", $"must be between 1 and {MaxStock}");
        }

        if (!Product.Exists)
        {
            return await AfterDurable<ProductView>(Missing());
        }

        if (!Product.AppliedReturns.Add(returnId))
        {
            return await AfterDurable<ProductView>(View());
        }

        Product.OnHand += quantity;
        Product.Returned += quantity;
        return await Persist("product.stock_returned", quantity);
    }

    /// <summary>Asks the order behind every record older than the recovery delay what should become of it.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Decided on what is stored: a write in flight (a timer's announcement, say) may yet fail and take this
        // activation with it, and a reminder dropped on its unsaved state would leave no one to announce what is stored.
        await writes.Durable();

        // Records that acknowledgements forgot leave storage before the reminder that would audit them does.
        while (NothingToAudit && forgottenUnstored)
        {
            await writes.Persist();
        }

        if (NothingToAudit)
        {
            // A reservation made meanwhile registers the reminder anew, and that registration stays.
            await audit.Drop(this);
            return;
        }

        var cutoff = DateTimeOffset.UtcNow - options.Value.RecoveryDelay;
        var old = Product.Reservations.Where(r => r.Value.ReservedAt <= cutoff).ToList();
        var fates = await Task.WhenAll(old.Select(r => GrainFactory.Reference<IOrderGrain>(r.Key).GetReservationFate(Sku, r.Value.Stage, r.Value.Number)));
        var changed = false;
        foreach (var ((id, asked), fate) in old.Zip(fates))
        {
            // Only the record the order was asked about: calls that ran during the await may have replaced it.
            if (fate == ReservationFate.Keep || Product.Reservations.GetValueOrDefault(id) != asked)
            {
                continue;
            }

            if (fate == ReservationFate.Release && asked.Stage == ReservationStage.Reserved)
            {
                Undo(id, asked);
            }
            else
            {
                Product.Reservations.Remove(id);
            }

            changed = true;
        }

        if (changed)
        {
            await Persist();
        }
    }

    /// <summary>No record to ask an order about and no stock change to announce: the audit reminder can go.</summary>
    private bool NothingToAudit => Product.Reservations.Count == 0 && Product.Version == Product.AnnouncedVersion;

    /// <summary>Records a stock call until its order acknowledges it, persists it, and makes sure the audit will look at it.</summary>
    private async Task Record(string reservationId, ReservationStage stage, int quantity, long number)
    {
        Product.Reservations[reservationId] = new ReservationState { Quantity = quantity, ReservedAt = DateTimeOffset.UtcNow, Stage = stage, Number = number };
        var persisted = Persist();
        await audit.Ensure(this, options.Value.RecoveryDelay, options.Value.ReminderPeriod);
        await persisted;
    }

    /// <summary>Ends an unacknowledged reservation whose order will never finish it: its units go back to availability.</summary>
    private void Undo(string reservationId, ReservationState held)
    {
        Product.Reservations.Remove(reservationId);
        Product.Reserved -= held.Quantity;
        Product.Open.Close(held.Number);
    }

    /// <summary>
    /// A record under another number than the order's open one: a second reservation an outdated copy of the order took
    /// after the order's own was acknowledged. The order's own is settled as an acknowledged one, and the stray record
    /// goes with it.
    /// </summary>
    private bool IsStray(ReservationState? recorded, long number) =>
        recorded is { Stage: ReservationStage.Reserved, Number: not 0 } && number != 0 && recorded.Number != number && Product.Open.IsOpen(number);

    /// <summary>Why a reservation, recorded (<paramref name="held"/>) or acknowledged and open, cannot be settled as asked; null when it can.</summary>
    private string? SettlementRefusal(ReservationState? held, int quantity, long number)
    {
        if (held is not null && (held.Quantity != quantity || (number != 0 && held.Number != 0 && held.Number != number)))
        {
            return $"{held.Quantity} units of reservation {held.Number} recorded for it";
        }

        return quantity < 1 || quantity > Product.Reserved ? $"{Product.Reserved} reserved" : null;
    }

    private Error Contradicts(string reservationId, ReservationState held) =>
        Error.Conflict($"Reservation '{reservationId}' of '{Sku}' is {held.Stage} with {held.Quantity} units.");

    /// <summary>
    /// Counts the change just made as a new version, records its event if it has one, and persists every change so
    /// far (grouped with concurrent ones). Returns the product as this change left it.
    /// </summary>
    private async Task<ProductView> Persist(string? eventType = null, int? delta = null)
    {
        Product.Version++;
        var view = View();
        if (eventType is not null)
        {
            Announce(eventType, view, delta);
        }

        await writes.Persist();
        return view;
    }

    /// <summary>
    /// One storage write. Reservations, releases and sales are too many to be an event each: a write tells the log the
    /// stock they left when the product changed since its last event, as often as <see cref="announcements"/> allows.
    /// A write that leaves changes unannounced starts a timer whose write announces them when the next announcement is
    /// allowed, unless a write in between did. A silo that dies first leaves
    /// them stored and unannounced, and the product's next activation announces them (the audit reminder, registered
    /// by every stock call, brings one).
    /// </summary>
    private Task Write()
    {
        // This write carries every record forgotten so far.
        forgottenUnstored = false;
        if (Product.Exists && Product.Version != Product.AnnouncedVersion)
        {
            var wait = UntilAnnouncement();
            if (wait <= TimeSpan.Zero)
            {
                Announce("product.stock_changed", View(), delta: null);
            }
            else
            {
                WriteLater(wait);
            }
        }

        return Product.Outbox.Write(state.WriteStateAsync);
    }

    /// <summary>Makes sure a write happens within <paramref name="wait"/>, unless one that carries everything comes first.</summary>
    private void WriteLater(TimeSpan wait)
    {
        var due = DateTime.UtcNow + wait;
        if (later is null)
        {
            later = this.RegisterGrainTimer(WriteOwed, new GrainTimerCreationOptions(wait, Timeout.InfiniteTimeSpan));
            laterDue = due;
        }
        else if (due < laterDue)
        {
            later.Change(wait, Timeout.InfiniteTimeSpan);
            laterDue = due;
        }
    }

    private Task WriteOwed(CancellationToken cancellationToken)
    {
        later?.Dispose();
        later = null;
        return Product.Version != Product.AnnouncedVersion || forgottenUnstored ? writes.Persist() : Task.CompletedTask;
    }

    /// <summary>Every product event carries the product's view, so a consumer (the listings) never calls back.</summary>
    private void Announce(string eventType, ProductView view, int? delta)
    {
        Product.Outbox.Add(Sku, eventType, delta is null ? new { product = view } : new { product = view, delta });
        Product.AnnouncedVersion = view.Version;
        CountAnnouncements();
        announcements = Math.Max(0, announcements - 1);
    }

    /// <summary>How long until an announcement is allowed (zero or less: now).</summary>
    private TimeSpan UntilAnnouncement()
    {
        CountAnnouncements();
        return announcements >= 1 ? TimeSpan.Zero : (1 - announcements) * events.Value.StockChangeInterval;
    }

    /// <summary>Brings <see cref="announcements"/> up to date: one more per interval since it was last counted (no limit without an interval).</summary>
    private void CountAnnouncements()
    {
        var interval = events.Value.StockChangeInterval;
        var now = DateTime.UtcNow;
        announcements = interval <= TimeSpan.Zero
            ? AnnouncementBurst
            : Math.Min(AnnouncementBurst, announcements + ((now - announcementsCounted) / interval));
        announcementsCounted = now;
    }

    /// <summary>Replies only once everything this reply was based on is durable.</summary>
    private async Task<Result<T>> AfterDurable<T>(Result<T> result)
    {
        await writes.Durable();
        return result;
    }

    private ReservedLine Line(int quantity, long number) => new(Sku, Product.Name, Product.Price, Product.Currency, quantity, Product.RequiresShipping, number);

    private Error Missing() => Error.NotFound($"Product '{Sku}' does not exist.");

    private ProductView View() => new(
        Sku, Product.Name, Product.Description, Product.Price, Product.Currency,
        Product.OnHand, Product.Reserved, Product.Available(), Product.Active, Product.Version, Product.RequiresShipping);
}
