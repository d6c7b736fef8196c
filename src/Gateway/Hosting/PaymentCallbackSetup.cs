using System.Diagnostics.Metrics;
using StandardWebhooks;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// How the gateway checks the payment provider's callbacks: Standard Webhooks signatures (HMAC-SHA256 over
/// <c>webhook-id.webhook-timestamp.body</c>, a timestamp tolerance of 5 minutes) with the shared secret
/// <c>Payments:CallbackSecret</c> (<c>whsec_</c> + base64). Without a secret the route answers 503 with Retry-After,
/// so the provider keeps its events and retries them once the secret is set; a malformed secret stops the gateway at start.
/// </summary>
public sealed class PaymentCallbacks
{
    public const string Meter = "OrderActors.Gateway";

    private static readonly Meter GatewayMeter = new(Meter);

    /// <summary>Tagged <c>reason</c>: <c>signature</c> (unsigned, forged or stale), <c>body</c> (signed but malformed) or <c>unconfigured</c>.</summary>
    public static readonly Counter<long> Refused =
        GatewayMeter.CreateCounter<long>("orderactors.payment_callbacks.refused", description: "Payment callbacks refused, by reason: signature, body or unconfigured.");

    /// <summary>Tagged <c>type</c>: the event type of each signed, well-formed callback handled (payment.failed included).</summary>
    public static readonly Counter<long> Received =
        GatewayMeter.CreateCounter<long>("orderactors.payment_callbacks.received", description: "Signed payment callbacks handled, by event type.");

    private readonly byte[]? secret;

    public PaymentCallbacks(IConfiguration configuration)
    {
        var configured = configuration["Payments:CallbackSecret"];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return;
        }

        const string prefix = "whsec_";
        var encoded = configured.StartsWith(prefix, StringComparison.Ordinal) ? configured[prefix.Length..] : configured;
        try
        {
            secret = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Payments:CallbackSecret (environment: Payments__CallbackSecret) must be 'whsec_' followed by base64.");
        }

        if (secret.Length < 24)
        {
            throw new InvalidOperationException("Payments:CallbackSecret (environment: Payments__CallbackSecret) must hold at least 24 random bytes.");
        }
    }

    public bool IsConfigured => secret is not null;

    /// <summary>A verifier for one request (the library's type is not documented as thread-safe, so none is shared).</summary>
    public StandardWebhook Verifier() => new(secret ?? throw new InvalidOperationException("No payment callback secret is configured."));
}

public static class PaymentCallbackSetup
{
    public static IHostApplicationBuilder AddGatewayPaymentCallbacks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new PaymentCallbacks(builder.Configuration)); // fail at start on a malformed secret
        return builder;
    }
}
