using Microsoft.AspNetCore.Http.HttpResults;
using OrderActors.Gateway.Hosting;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Endpoints;

/// <summary>/api/products: the catalog and its stock, each route one call on <see cref="IProductGrain"/>.</summary>
public static class ProductEndpoints
{
    public sealed record CreateProductRequest(string? Sku, string? Name, string? Description, decimal? Price, string? Currency, int? Stock, bool? RequiresShipping = null);

    /// <summary><c>requiresShipping</c> left out keeps the product's current setting, so older clients change nothing they do not send.</summary>
    public sealed record UpdateProductRequest(string? Name, string? Description, decimal? Price, string? Currency, bool? RequiresShipping = null);

    public sealed record StockRequest(int? Delta);

    public static IEndpointRouteBuilder MapProductEndpoints(this IEndpointRouteBuilder app)
    {
        // Catalog reads are public, as in any shop; every write is the admin's.
        var products = app.MapResource("/api/products", "Products");

        products.MapGet("/", Search).WithName("SearchProducts").WithSummary("Active products whose SKU, name or description contains the query, by SKU, a page at a time")
            .CacheOutput(CatalogCachePolicy.ForListings).Refuses(400);
        products.MapPost("/", Create).WithName("CreateProduct").WithSummary("Create a product with its initial stock")
            .RequirePolicy(Policies.Admin).Refuses(400, 409, 413).AddEndpointFilter<CatalogEviction>();
        products.MapGet("/{sku}", Get).WithName("GetProduct").WithSummary("Read a product, its stock and reservations")
            .CacheOutput(CatalogCachePolicy.ForProduct).AddEndpointFilter<ETagFilter>().Produces(StatusCodes.Status304NotModified).Refuses(400, 404);
        products.MapPut("/{sku}", Update).WithName("UpdateProduct").WithSummary("Replace name, description, price and currency; If-Match for a conditional update")
            .RequirePolicy(Policies.Admin).Refuses(400, 404, 412, 413).AddEndpointFilter<CatalogEviction>();
        products.MapPost("/{sku}/stock", AdjustStock).WithName("AdjustStock").WithSummary("Add a positive or negative delta to the stock on hand")
            .RequirePolicy(Policies.Admin).Refuses(400, 404, 409, 413).AddEndpointFilter<CatalogEviction>();
        products.MapDelete("/{sku}", Deactivate).WithName("DeactivateProduct").WithSummary("Take a product out of sale")
            .RequirePolicy(Policies.Admin).Refuses(400, 404).AddEndpointFilter<CatalogEviction>();
        return app;
    }

    private static async Task<Results<Created<ProductView>, ProblemHttpResult>> Create(CreateProductRequest request, IGrainFactory grains)
    {
        if (!Identifiers.IsValid(request.Sku))
        {
            return ResultHttp.Invalid("sku", Identifiers.Rule);
        }

        if (request.Price is not { } price)
        {
            return ResultHttp.Invalid("price", "is required");
        }

        var command = new CreateProduct(request.Name ?? "", request.Description ?? "", price, request.Currency ?? "USD", request.Stock ?? 0, request.RequiresShipping ?? false);
        var result = await grains.Reference<IProductGrain>(request.Sku).Create(command);
        return result.ToCreated(product => $"/api/products/{product.Sku}");
    }

    private static async Task<Results<Ok<Page<ProductSummary>>, ProblemHttpResult>> Search(
        string? query, string? cursor, int? limit, IGrainFactory grains) =>
        (await grains.Reference<IListingGrain>(0).SearchProducts(query, cursor, limit ?? IListingGrain.DefaultLimit)).ToOk();

    private static async Task<Results<Ok<ProductView>, ProblemHttpResult>> Get(string sku, IGrainFactory grains) =>
        (await grains.Reference<IProductGrain>(sku).Get()).ToOk();

    private static async Task<Results<Ok<ProductView>, ProblemHttpResult>> Update(
        string sku, UpdateProductRequest request, HttpRequest http, IGrainFactory grains)
    {
        if (request.Price is not { } price)
        {
            return ResultHttp.Invalid("price", "is required");
        }

        var product = grains.Reference<IProductGrain>(sku);
        var command = new UpdateProduct(request.Name ?? "", request.Description ?? "", price, request.Currency ?? "USD", IfMatch.AcceptedVersions(http), request.RequiresShipping);
        var result = await product.Update(command);
        if (result.Error?.Kind == ErrorKind.PreconditionFailed && ETags.Of((await product.Get()).Value) is { } current)
        {
            // Tells the client which version to read, as a conditional request's 412 usually does.
            http.HttpContext.Response.Headers.ETag = current.ToString();
        }

        return result.ToOk();
    }

    private static async Task<Results<Ok<ProductView>, ProblemHttpResult>> AdjustStock(string sku, StockRequest request, IGrainFactory grains) =>
        request.Delta is { } delta
            ? (await grains.Reference<IProductGrain>(sku).AdjustStock(delta)).ToOk()
            : ResultHttp.Invalid("delta", "is required");

    private static async Task<Results<NoContent, ProblemHttpResult>> Deactivate(string sku, IGrainFactory grains) =>
        (await grains.Reference<IProductGrain>(sku).Deactivate()).ToNoContent();
}
