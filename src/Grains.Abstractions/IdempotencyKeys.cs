using System.Diagnostics.CodeAnalysis;

namespace OrderActors.Grains.Abstractions;

/// <summary>The rule for client-chosen idempotency keys: 1–128 printable ASCII characters (a UUID fits).</summary>
public static class IdempotencyKeys
{
    /// <summary>The HTTP header that carries the key.</summary>
    public const string Header = "Idempotency-Key";

    public const int MaxLength = 128;

    public const string Rule = "must be 1-128 printable ASCII characters";

    public static bool IsValid([NotNullWhen(true)] string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= MaxLength && key.All(c => c is > ' ' and <= '~');
}
