using System.Collections.Immutable;
using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Grains;

/// <summary>Field rules shared by grains; each returns field errors rather than throwing.</summary>
internal static partial class Validate
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
        else if (!StorableText.IsValid(name))
        {
            errors = errors.Add("name", [StorableText.Rule]);
        }

        if (description is null || description.Length > MaxDescriptionLength)
        {
            errors = errors.Add("description", [$"is required (may be empty), at most {MaxDescriptionLength} characters"]);
        }
        else if (!StorableText.IsValid(description))
        {
            errors = errors.Add("description", [StorableText.Rule]);
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

    /// <summary>Field errors of shipping details, each named by its JSON path (<c>shippingAddress.country</c>).</summary>
    public static ImmutableDictionary<string, string[]> Shipping(ShippingDetails? details)
    {
        var errors = ImmutableDictionary<string, string[]>.Empty;
        if (details?.ShippingAddress is { } address)
        {
            errors = Text(errors, "shippingAddress.recipientName", address.RecipientName, 200, required: true);
            errors = Text(errors, "shippingAddress.line1", address.Line1, 200, required: true);
            errors = Text(errors, "shippingAddress.line2", address.Line2, 200, required: false);
            errors = Text(errors, "shippingAddress.city", address.City, 100, required: true);
            errors = Text(errors, "shippingAddress.region", address.Region, 100, required: false);
            if (address.PostalCode is null || !PostalCode().IsMatch(address.PostalCode))
            {
                errors = errors.Add("shippingAddress.postalCode", ["is required: 1-16 letters, digits, spaces or '-'"]);
            }

            if (!IsCountry(address.Country))
            {
                errors = errors.Add("shippingAddress.country", ["must be an ISO 3166-1 alpha-2 country code such as FR or US"]);
            }
        }

        if (details?.Contact is { } contact)
        {
            if (contact.Email is null || contact.Email.Length > 254 || !MailAddress.TryCreate(contact.Email, out var mail) || mail.Address != contact.Email)
            {
                errors = errors.Add("contact.email", ["is required: an e-mail address such as alice@example.com"]);
            }

            if (contact.Phone is not null && !E164().IsMatch(contact.Phone))
            {
                errors = errors.Add("contact.phone", ["must be an E.164 number: '+', country code and number, at most 15 digits"]);
            }
        }

        return errors;
    }

    private static ImmutableDictionary<string, string[]> Text(
        ImmutableDictionary<string, string[]> errors, string field, string? value, int maxLength, bool required)
    {
        if (value is null ? required : (required && string.IsNullOrWhiteSpace(value)) || value.Length > maxLength)
        {
            return errors.Add(field, [required ? $"is required, at most {maxLength} characters" : $"at most {maxLength} characters"]);
        }

        return value is null || StorableText.IsValid(value) ? errors : errors.Add(field, [StorableText.Rule]);
    }

    /// <summary>Two capital letters that name a country or territory (not a region such as 001 or EU).</summary>
    private static bool IsCountry(string? code)
    {
        if (code is not { Length: 2 } || !code.All(char.IsAsciiLetterUpper))
        {
            return false;
        }

        try
        {
            return new RegionInfo(code).TwoLetterISORegionName == code;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9 \-]{0,15}$")]
    private static partial Regex PostalCode();

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$")]
    private static partial Regex E164();
}
