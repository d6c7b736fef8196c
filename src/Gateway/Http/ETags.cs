using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Net.Http.Headers;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Entity tags: a product's is its version; an order's is a hash of its view (orders carry no version, and the
/// gateway computes it so grains stay untouched).
/// </summary>
public static class ETags
{
    public static EntityTagHeaderValue? Of(object? value) => value switch
    {
        ProductView product => new EntityTagHeaderValue($"\"{product.Version}\""),
        OrderView order => new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(order)))[..32]}\""),
        _ => null,
    };
}

/// <summary>On a GET: sets ETag on a product or order, and answers 304 when <c>If-None-Match</c> already has it.</summary>
public sealed class ETagFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if (ETags.Of((inner as IValueHttpResult)?.Value) is not { } etag)
        {
            return result;
        }

        var http = context.HttpContext;
        http.Response.Headers.ETag = etag.ToString();
        var known = http.Request.GetTypedHeaders().IfNoneMatch;
        return known.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : result;
    }
}

/// <summary>
/// On a product update: with <c>If-Match</c>, updates only if the product still has that ETag, else 412.
/// The check and the update are two grain calls, so an update landing between them is not caught.
/// </summary>
public sealed class ProductIfMatchFilter(IGrainFactory grains) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = http.Request.GetTypedHeaders().IfMatch;
        if (expected.Count == 0)
        {
            return await next(context);
        }

        var current = await grains.GetGrain<IProductGrain>((string)http.Request.RouteValues["sku"]!).Get();
        if (!current.IsSuccess)
        {
            return current.Error.ToProblem();
        }

        var etag = ETags.Of(current.Value)!;
        if (expected.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: true)))
        {
            return await next(context);
        }

        http.Response.Headers.ETag = etag.ToString();
        return TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The product has changed.",
            detail: $"If-Match does not match the current ETag {etag}; read the product again and retry.");
    }
}
