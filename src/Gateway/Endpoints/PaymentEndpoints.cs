using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Gateway.Hosting;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;
using StandardWebhooks.Diagnostics;

namespace OrderActors.Gateway.Endpoints;

/// <summary>
/// /api/payments/callbacks: the payment provider's signed events. Each one is one call on <see cref="IOrderGrain"/>:
/// <c>payment.succeeded</c> → <see cref="IOrderGrain.Pay"/> (the method <c>/pay</c> calls too),
/// <c>refund.succeeded</c> / <c>refund.failed</c> → <see cref="IOrderGrain.SettleRefund"/>, <c>payment.failed</c> →
/// <see cref="IOrderGrain.Get"/> only (the order keeps waiting for payment until its window closes).
/// </summary>
public static class PaymentEndpoints
{
    /// <summary>The callback body: Standard Webhooks' envelope, the event's fields in <see cref="Data"/>.</summary>
    public sealed record PaymentCallback(string? Type, PaymentCallbackData? Data);

    public sealed record PaymentCallbackData(string? OrderId, decimal? Amount, string? Currency, string? PaymentId);

    /// <summary>What the gateway did with an event: <c>applied</c>, or <c>refused</c> with why (the order did not take it).</summary>
    public sealed record CallbackReceipt(string EventId, string Outcome, OrderStatus Status, string? Detail);

    private const string EventIdHeader = "webhook-id";

    public static IEndpointRouteBuilder MapPaymentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapResource("/api/payments", "Payments").MapPost("/callbacks", Receive).WithName("ReceivePaymentCallback")
            .WithSummary("The payment provider's signed event (Standard Webhooks headers); 200 once handled, including a repeat")
            .Accepts<PaymentCallback>("application/json").Refuses(400, 401, 404, 413);
        return app;
    }

    private static async Task<Results<Ok<CallbackReceipt>, ProblemHttpResult>> Receive(
        HttpRequest request, PaymentCallbacks callbacks, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!callbacks.IsConfigured)
        {
            PaymentCallbacks.Refused.Add(1, new KeyValuePair<string, object?>("reason", "unconfigured"));
            request.HttpContext.Response.Headers.RetryAfter = "60";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payment callbacks are not configured.",
                detail: "Set Payments__CallbackSecret; events sent meanwhile are refused and should be retried.");
        }

        // The signature covers the raw bytes: read them as they came, before any JSON binding.
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        try
        {
            callbacks.Verifier().Verify(body, request.Headers);
        }
        catch (WebhookVerificationException)
        {
            PaymentCallbacks.Refused.Add(1, new KeyValuePair<string, object?>("reason", "signature"));
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The callback's signature is missing, wrong or stale.");
        }

        var eventId = request.Headers[EventIdHeader].ToString();
        var (callback, invalid) = Parse(body);
        if (invalid is not null)
        {
            PaymentCallbacks.Refused.Add(1, new KeyValuePair<string, object?>("reason", "body"));
            return invalid;
        }

        RequestContext.Set(Actors.Key, Actors.PaymentProvider);
        var data = callback!.Data!;
        var order = grains.Reference<IOrderGrain>(data.OrderId!);
        var result = callback.Type switch
        {
            "payment.succeeded" => await order.Pay(new Payment(data.Amount!.Value, eventId, data.Currency, data.PaymentId)),
            "refund.succeeded" => await order.SettleRefund(new RefundOutcome(eventId, data.PaymentId, Succeeded: true)),
            "refund.failed" => await order.SettleRefund(new RefundOutcome(eventId, data.PaymentId, Succeeded: false)),
            _ => await order.Get(),
        };
        PaymentCallbacks.Received.Add(1, new KeyValuePair<string, object?>("type", callback.Type));
        return await Receipt(eventId, result, order);
    }

    /// <summary>
    /// Handled is 200 even when the order did not take the event (a late payment, refunded): the provider must not
    /// retry what was recorded. Only an unknown order or a malformed field is an error.
    /// </summary>
    private static async Task<Results<Ok<CallbackReceipt>, ProblemHttpResult>> Receipt(string eventId, Result<OrderView> result, IOrderGrain order)
    {
        if (result.IsSuccess)
        {
            return TypedResults.Ok(new CallbackReceipt(eventId, "applied", result.Value!.Status, null));
        }

        if (result.Error!.Kind is not (ErrorKind.Conflict or ErrorKind.Unprocessable))
        {
            return result.Error.ToProblem();
        }

        var now = await order.Get();
        return TypedResults.Ok(new CallbackReceipt(eventId, "refused", now.Value?.Status ?? OrderStatus.None, result.Error.Detail));
    }

    private static (PaymentCallback? Callback, ProblemHttpResult? Invalid) Parse(string body)
    {
        PaymentCallback? callback;
        try
        {
            callback = JsonSerializer.Deserialize<PaymentCallback>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return (null, ResultHttp.Invalid("body", "must be a JSON object {type, data}"));
        }

        if (callback?.Type is not ("payment.succeeded" or "payment.failed" or "refund.succeeded" or "refund.failed"))
        {
            return (null, ResultHttp.Invalid("type", "must be payment.succeeded, payment.failed, refund.succeeded or refund.failed"));
        }

        if (!Identifiers.IsValid(callback.Data?.OrderId))
        {
            return (null, ResultHttp.Invalid("data.orderId", Identifiers.Rule));
        }

        // Without the provider's payment id, money that cannot pay its order could not be refunded.
        if (!IdempotencyKeys.IsValid(callback.Data!.PaymentId))
        {
            return (null, ResultHttp.Invalid("data.paymentId", $"is required: {IdempotencyKeys.Rule}"));
        }

        return callback.Type == "payment.succeeded" && callback.Data.Amount is null
            ? (null, ResultHttp.Invalid("data.amount", "is required"))
            : (callback, null);
    }
}
