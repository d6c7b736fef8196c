using System.Collections.Immutable;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains;

/// <summary>Field rules shared by grains; each returns field errors rather than throwing.</summary>
internal static class Validate
{
    public const int MaxLineQuantity = 1000;
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 4000;

    public static ImmutableDictionary<string, string[]> Product(
        string sku, string? name, string? description, decimal price, string? currency)
    {
        var errors = ImmutableDictionary<string, string[]>.Empty;
        if (!Identifiers.IsValid(sku))
        {
            errors = errors.Add("sku", [Identifiers.Rule]);
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            errors = errors.Add("name", [$"is required, at most {MaxNameLength} characters"]);
        }

        if (description is null || description.Length > MaxDescriptionLength)
        {
            errors = errors.Add("description", [$"is required (may be empty), at most {MaxDescriptionLength} characters"]);
        }

        if (!Money.IsPrice(price))
        {
            errors = errors.Add("price", [$"must be greater than 0 and below {Money.MaxPrice}, with at most 2 decimal places"]);
        }

        if (!Money.IsCurrency(currency))
        {
            errors = errors.Add("currency", ["must be an ISO 4217 currency code such as USD or EUR"]);
        }

        return errors;
    }
}
