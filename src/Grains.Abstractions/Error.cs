using System.Collections.Immutable;

namespace OrderActors.Grains.Abstractions;

/// <summary>What kind of refusal an <see cref="Error"/> is; the gateway maps each kind to one HTTP status.</summary>
public enum ErrorKind
{
    /// <summary>The input is malformed or out of range; <see cref="Error.FieldErrors"/> says where.</summary>
    Invalid,

    /// <summary>The entity does not exist.</summary>
    NotFound,

    /// <summary>The request contradicts the entity's current state (stock, status, existence).</summary>
    Conflict,

    /// <summary>The request is well formed but its content is wrong for this entity (e.g. a payment amount).</summary>
    Unprocessable,

    /// <summary>The entity is no longer at the version the caller made its change against.</summary>
    PreconditionFailed,

    /// <summary>What the caller asks for existed but is gone for good (events deleted by the log's retention).</summary>
    Gone,
}

/// <summary>A domain refusal the caller can act on, returned as a value rather than thrown.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.error")]
public sealed record Error(
    [property: Id(0)] ErrorKind Kind,
    [property: Id(1)] string Detail)
{
    /// <summary>Field name → messages, for <see cref="ErrorKind.Invalid"/>.</summary>
    [Id(2)] public ImmutableDictionary<string, string[]> FieldErrors { get; init; } = ImmutableDictionary<string, string[]>.Empty;

    /// <summary>The lines that could not be reserved, for a checkout refused for stock.</summary>
    [Id(3)] public ImmutableArray<Shortage> Shortages { get; init; } = [];

    /// <summary>The order's status when a transition was refused.</summary>
    [Id(4)] public OrderStatus? CurrentStatus { get; init; }

    public static Error Invalid(string field, string message) =>
        new(ErrorKind.Invalid, message) { FieldErrors = ImmutableDictionary<string, string[]>.Empty.Add(field, [message]) };

    public static Error Invalid(ImmutableDictionary<string, string[]> fieldErrors) =>
        new(ErrorKind.Invalid, "One or more fields are invalid.") { FieldErrors = fieldErrors };

    public static Error NotFound(string detail) => new(ErrorKind.NotFound, detail);

    public static Error Conflict(string detail) => new(ErrorKind.Conflict, detail);

    public static Error Gone(string detail) => new(ErrorKind.Gone, detail);

    public static Error InsufficientStock(ImmutableArray<Shortage> shortages) =>
        new(ErrorKind.Conflict, "Not enough stock for: " + string.Join(", ", shortages.Select(s => s.Sku)) + ".") { Shortages = shortages };

    public static Error WrongStatus(OrderStatus current, string action) =>
        new(ErrorKind.Conflict, $"Cannot {action} an order that is {current}.") { CurrentStatus = current };
}

/// <summary>A line that could not be reserved: how many were asked for and how many are available.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.shortage")]
public sealed record Shortage(
    [property: Id(0)] string Sku,
    [property: Id(1)] int Requested,
    [property: Id(2)] int Available);
