using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderActors.Gateway.Hosting;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/orders: an order's lifecycle, each route one call on <see cref="IOrderGrain"/>.</summary>
public static class OrderEndpoints
{
    /// <summary>A payment recorded by a trusted caller; <c>paymentId</c> is the provider's, when the money is at one.</summary>
    public sealed record PaymentRequest(decimal? Amount, string? Currency = null, string? PaymentId = null);

    public static IEndpointRouteBuilder MapOrderEndpoints(this IEndpointRouteBuilder app)
    {
        var orders = app.MapResource("/api/orders/{orderId}", "Orders").OwnedBy<OrderOwnerFilter>();

        orders.MapGet("/", Get).WithName("GetOrder").WithSummary("Read an order and its status history")
            .AddEndpointFilter<ETagFilter>().Produces(StatusCodes.Status304NotModified).Refuses(400, 404);
        // Confirming a payment is for whoever saw the money arrive (the provider's integration, or staff): never the customer.
        var payments = app.MapResource("/api/orders/{orderId}", "Orders").RequirePolicy(Policies.Payments);
        payments.MapPost("/pay", Pay).WithName("PayOrder")
            .WithSummary("Record a payment of the exact total (admin or payments role); commits the reserved stock; idempotent by the Idempotency-Key header")
            .Refuses(400, 404, 409, 413, 422).AddEndpointFilter<CatalogEviction>();
        orders.MapPut("/shipping", ChangeShipping).WithName("ChangeOrderShipping")
            .WithSummary("Replace the shipping address and contact until the order ships (owner or admin)").Refuses(400, 404, 409, 413);
        orders.MapPost("/ship", Ship).WithName("ShipOrder").WithSummary("Paid → Shipped").RequirePolicy(Policies.Admin).Refuses(400, 404, 409);
        orders.MapPost("/deliver", Deliver).WithName("DeliverOrder").WithSummary("Shipped → Delivered").RequirePolicy(Policies.Admin).Refuses(400, 404, 409);
        orders.MapPost("/cancel", Cancel).WithName("CancelOrder").WithSummary("Cancel before shipping; releases or returns the stock").Refuses(400, 404, 409)
            .AddEndpointFilter<CatalogEviction>();
        return app;
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Get(string orderId, IGrainFactory grains) =>
        (await Order(grains, orderId).Get()).ToOk();

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Pay(
        string orderId, PaymentRequest request, [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, IGrainFactory grains)
    {
        if (!IdempotencyKeys.IsValid(idempotencyKey))
        {
            return ResultHttp.MissingIdempotencyKey();
        }

        return request.Amount is { } amount
            ? (await Order(grains, orderId).Pay(new Payment(amount, idempotencyKey, request.Currency, request.PaymentId))).ToOk()
            : ResultHttp.Invalid("amount", "is required");
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Ship(string orderId, IGrainFactory grains) =>
        (await Order(grains, orderId).Ship()).ToOk();

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> ChangeShipping(string orderId, ShippingDetails details, IGrainFactory grains) =>
        (await Order(grains, orderId).ChangeShipping(details)).ToOk();

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Deliver(string orderId, IGrainFactory grains) =>
        (await Order(grains, orderId).Deliver()).ToOk();

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Cancel(string orderId, IGrainFactory grains) =>
        (await Order(grains, orderId).Cancel()).ToOk();

    private static IOrderGrain Order(IGrainFactory grains, string orderId) => grains.Reference<IOrderGrain>(orderId);
}
