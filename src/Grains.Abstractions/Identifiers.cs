using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace OrderActors.Grains.Abstractions;

/// <summary>The one rule for SKUs and customer ids: 1–64 of <c>A-Z a-z 0-9 . _ -</c>.</summary>
public static class Identifiers
{
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

    public static bool IsValid([NotNullWhen(true)] string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxLength && !value.AsSpan().ContainsAnyExcept(Allowed);

    public const string Rule = "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'";
}
