using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Events;

namespace OrderActors.Grains.Products;

/// <summary>
/// The persisted state of one product: catalog details, stock counters, and a record of each reservation step whose
/// order has not yet acknowledged it. Reservations an order has acknowledged live on in <see cref="Reserved"/> and in
/// the order alone, so the state — and each write of it — stays as small as the calls in flight, not as large as
/// every reservation awaiting payment.
/// </summary>
[GenerateSerializer, Alias("orderactors.product-state")]
public sealed class ProductState
{
    /// <summary>False until the product is created; a product is never deleted, only deactivated.</summary>
    [Id(0)] public bool Exists { get; set; }

    /// <summary>The product's key, kept in the state so stored data explains itself (the consistency checker reads it).</summary>
    [Id(15)] public string Sku { get; set; } = "";

    /// <summary>Display name.</summary>
    [Id(1)] public string Name { get; set; } = "";

    /// <summary>Free-text description.</summary>
    [Id(2)] public string Description { get; set; } = "";

    /// <summary>Current unit price, at most two decimal places.</summary>
    [Id(3)] public decimal Price { get; set; }

    /// <summary>ISO 4217 code of <see cref="Price"/>.</summary>
    [Id(4)] public string Currency { get; set; } = "";

    /// <summary>Physical units in the warehouse, reserved ones included.</summary>
    [Id(5)] public int OnHand { get; set; }

    /// <summary>Units held by reservations that are neither sold nor released, acknowledged or not.</summary>
    [Id(6)] public int Reserved { get; set; }

    /// <summary>
    /// The last step of each reservation its order has not acknowledged, by reservation id (the order's id): what
    /// makes a repeated call change nothing.
    /// </summary>
    [Id(7)] public Dictionary<string, ReservationState> Reservations { get; set; } = [];

    /// <summary>Whether new reservations and cart lines are accepted.</summary>
    [Id(8)] public bool Active { get; set; }

    /// <summary>Stock the product was created with; with the three counters below it explains <see cref="OnHand"/>.</summary>
    [Id(9)] public int InitialStock { get; set; }

    /// <summary>Sum of all stock adjustments.</summary>
    [Id(10)] public long Adjusted { get; set; }

    /// <summary>Units that left through committed reservations.</summary>
    [Id(11)] public long Sold { get; set; }

    /// <summary>Units that came back from cancelled paid orders.</summary>
    [Id(12)] public long Returned { get; set; }

    /// <summary>Return ids already applied, so a repeated return adds nothing.</summary>
    [Id(13)] public HashSet<string> AppliedReturns { get; set; } = [];

    /// <summary>Bumped on every change; exposed as the view's version.</summary>
    [Id(14)] public long Version { get; set; }

    /// <summary>The product's events on their way to the event log, stored with the change that caused them.</summary>
    [Id(16)] public Outbox Outbox { get; set; } = new();

    /// <summary>The version the product's last event told the log (every product event carries the product's view).</summary>
    [Id(17)] public long AnnouncedVersion { get; set; }

    /// <summary>Whether an order holding it can only ship to an address (a download or a service needs none).</summary>
    [Id(18)] public bool RequiresShipping { get; set; }

    /// <summary>The number given to the last reservation; numbers start at 1 (0 marks a reservation made before numbers).</summary>
    [Id(19)] public long LastReservationNumber { get; set; }

    /// <summary>
    /// The numbers of the reservations still holding units, acknowledged or not: how a settlement repeated by an outdated
    /// copy of an order (a silo cut off and healed) is told apart from the first, after the record that made a repetition
    /// harmless is gone.
    /// </summary>
    [Id(20)] public OpenReservations Open { get; set; } = new();

    /// <summary>Units that can still be reserved (a method, so the storage serializer never stores it).</summary>
    public int Available() => OnHand - Reserved;

    /// <summary>The product as listings show it: what the grain projects and a rebuild restores.</summary>
    public ProductSummary ToSummary() => new(Sku, Name, Description, Price, Currency, Available(), Active, Version);
}

/// <summary>The last step of one order's reservation, how many units it concerns, and when it was taken.</summary>
[GenerateSerializer, Alias("orderactors.reservation-state")]
public sealed class ReservationState
{
    /// <summary>Units concerned.</summary>
    [Id(0)] public int Quantity { get; set; }

    /// <summary>When the step was taken; records older than the recovery delay are checked against their order.</summary>
    [Id(1)] public DateTimeOffset ReservedAt { get; set; }

    /// <summary>Where the reservation is; records stored before steps existed are <see cref="ReservationStage.Reserved"/>.</summary>
    [Id(2)] public ReservationStage Stage { get; set; }

    /// <summary>The reservation's number (see <see cref="ProductState.Open"/>); 0 for one made before numbers.</summary>
    [Id(3)] public long Number { get; set; }
}
