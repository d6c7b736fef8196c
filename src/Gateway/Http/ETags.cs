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
/// On a product update, <c>If-Match</c> becomes the versions the grain accepts, so the check and the update happen
/// in one grain turn: no update can land between them. <c>*</c> (or no header) accepts any version.
/// </summary>
public static class IfMatch
{
    public static IReadOnlyList<long>? AcceptedVersions(HttpRequest request)
    {
        var tags = request.GetTypedHeaders().IfMatch;
        if (tags.Count == 0 || tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any)))
        {
            return null;
        }

        // Strong comparison: a weak tag never matches, and neither does one that is not a product version.
        return tags.Where(tag => !tag.IsWeak)
            .Select(tag => long.TryParse(tag.Tag.AsSpan().Trim('"'), out var version) ? version : -1)
            .Where(version => version >= 0)
            .ToList();
    }
}
