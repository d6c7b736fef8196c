using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/carts: one cart per customer, each route one call on <see cref="ICartGrain"/>.</summary>
public static class CartEndpoints
{
    public sealed record QuantityRequest(int? Quantity);

    public static IEndpointRouteBuilder MapCartEndpoints(this IEndpointRouteBuilder app)
    {
        var carts = app.MapResource("/api/carts/{customerId}", "Carts").OwnedBy<CustomerOwnerFilter>();

        carts.MapGet("/", Get).WithName("GetCart").WithSummary("Read the cart at current prices").Refuses(400, 404);
        carts.MapPut("/items/{sku}", SetQuantity).WithName("SetCartItem").WithSummary("Set the quantity of a SKU; 0 removes the line").Refuses(400, 404, 409, 413);
        carts.MapDelete("/items/{sku}", RemoveLine).WithName("RemoveCartItem").WithSummary("Remove a line").Refuses(400, 404);
        carts.MapDelete("/", Clear).WithName("ClearCart").WithSummary("Empty the cart").Refuses(400, 404);
        carts.MapPost("/checkout", Checkout).WithName("Checkout").WithSummary("Reserve every line and create an order awaiting payment; idempotent by the Idempotency-Key header; optional body {shippingAddress, contact}").Refuses(400, 404, 409, 413, 422)
            .AddEndpointFilter<CatalogEviction>();
        return app;
    }

    private static async Task<Results<Ok<CartView>, ProblemHttpResult>> Get(string customerId, IGrainFactory grains) =>
        (await Cart(grains, customerId).Get()).ToOk();

    private static async Task<Results<Ok<CartView>, ProblemHttpResult>> SetQuantity(
        string customerId, string sku, QuantityRequest request, IGrainFactory grains) =>
        request.Quantity is { } quantity
            ? (await Cart(grains, customerId).SetQuantity(sku, quantity)).ToOk()
            : ResultHttp.Invalid("quantity", "is required");

    private static async Task<Results<Ok<CartView>, ProblemHttpResult>> RemoveLine(string customerId, string sku, IGrainFactory grains) =>
        (await Cart(grains, customerId).RemoveLine(sku)).ToOk();

    private static async Task<Results<NoContent, ProblemHttpResult>> Clear(string customerId, IGrainFactory grains) =>
        (await Cart(grains, customerId).Clear()).ToNoContent();

    private static async Task<Results<Created<OrderView>, ProblemHttpResult>> Checkout(
        string customerId, [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, ShippingDetails? shipping, IGrainFactory grains) =>
        IdempotencyKeys.IsValid(idempotencyKey)
            ? (await Cart(grains, customerId).Checkout(idempotencyKey, shipping)).ToCreated(order => $"/api/orders/{order.OrderId}")
            : ResultHttp.MissingIdempotencyKey();

    private static ICartGrain Cart(IGrainFactory grains, string customerId) => grains.Reference<ICartGrain>(customerId);
}
