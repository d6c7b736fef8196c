using System.Collections.Frozen;

namespace OrderActors.Grains.Abstractions;

/// <summary>Rules for prices and currencies, shared by every grain that takes money.</summary>
public static class Money
{
    /// <summary>Active ISO 4217 codes; a code outside this list is refused rather than guessed at.</summary>
    private static readonly FrozenSet<string> Currencies = (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD " +
        "CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD " +
        "GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT " +
        "LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR " +
        "NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP " +
        "STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG " +
        "XOF XPF YER ZAR ZMW ZWG").Split(' ').ToFrozenSet();

    public const decimal MaxPrice = 1_000_000_000m;

    public static bool IsCurrency(string? code) => code is not null && Currencies.Contains(code);

    /// <summary>A unit price is positive, below <see cref="MaxPrice"/>, with at most two decimal places.</summary>
    public static bool IsPrice(decimal price) => price > 0 && price < MaxPrice && decimal.Round(price, 2) == price;
}
