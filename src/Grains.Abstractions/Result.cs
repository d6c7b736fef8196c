using System.Diagnostics.CodeAnalysis;

namespace OrderActors.Grains.Abstractions;

/// <summary>Either a value or an <see cref="Abstractions.Error"/>: how grains answer without throwing for domain refusals.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.result`1")]
public sealed record Result<T>
{
    [Id(0)] public T? Value { get; init; }

    [Id(1)] public Error? Error { get; init; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static implicit operator Result<T>(T value) => new() { Value = value };

    public static implicit operator Result<T>(Error error) => new() { Error = error };
}
