using System.Buffers;
using System.Text;

namespace OrderActors.Grains.Abstractions;

/// <summary>
/// The rule for free text that reaches PostgreSQL (names, descriptions, search queries, cursors): PostgreSQL text
/// cannot hold U+0000, and UTF-8 cannot encode a lone surrogate, so either would fail the statement instead of
/// being refused as bad input.
/// </summary>
public static class StorableText
{
    public const string Rule = "must not contain NUL characters or unpaired UTF-16 surrogates";

    /// <summary>True for null (nothing to store) and for text of whole, non-NUL Unicode scalar values.</summary>
    public static bool IsValid(string? value)
    {
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != OperationStatus.Done || rune.Value == 0)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
