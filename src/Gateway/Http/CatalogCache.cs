using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OrderActors.Gateway.Hosting;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Http;

/// <summary>How long the gateway may serve a catalog response from its cache (configuration section <c>OutputCache</c>).</summary>
public sealed class CatalogCacheOptions
{
    public const string Section = "OutputCache";

    /// <summary>
    /// The age bound of <c>GET /api/products/{sku}</c>, for when an eviction is lost (Redis unreachable at that moment).
    /// Writes through any gateway evict at once; every change, also one no gateway sees (a payment window expiring on
    /// a silo), is evicted by the silos once the event log shows it (<c>ListingProjectionGrain</c>).
    /// </summary>
    public TimeSpan ProductTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The same bound for <c>GET /api/products?...</c>, evicted by the silos once the read model holds the change.</summary>
    public TimeSpan ListingTtl { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Caches a public catalog read for every caller alike: its body is the same whoever asks, so unlike ASP.NET Core's
/// default policy it is cached even for requests that carry a token. Answers <c>X-Cache: HIT|MISS</c>, honours the
/// request's <c>Cache-Control: no-cache</c> and <c>max-age</c>, and stores only 200s. Per-customer routes have no
/// policy, so nothing of theirs is ever cached.
/// </summary>
public sealed class CatalogCachePolicy(Func<HttpContext, string> tag, Func<CatalogCacheOptions, TimeSpan> ttl) : IOutputCachePolicy
{
    public const string StatusHeader = "X-Cache";

    private static readonly object HitKey = new();

    public static CatalogCachePolicy ForProduct { get; } =
        new(http => CatalogCacheKeys.Product(http.Request.RouteValues["sku"] as string ?? ""), options => options.ProductTtl);

    public static CatalogCachePolicy ForListings { get; } = new(_ => CatalogCacheKeys.Listings, options => options.ListingTtl);

    public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var http = context.HttpContext;
        var lifetime = ttl(http.RequestServices.GetRequiredService<IOptions<CatalogCacheOptions>>().Value);
        var asked = CacheControlHeaderValue.TryParse(http.Request.Headers.CacheControl.ToString(), out var parsed) ? parsed : null;

        context.EnableOutputCaching = true;
        context.AllowCacheStorage = HttpMethods.IsGet(http.Request.Method);
        // A stored copy may be as old as the TTL and its age is not known before it is read: a caller who accepts less
        // gets a fresh answer (which is stored for the next caller).
        context.AllowCacheLookup = context.AllowCacheStorage && asked is not { NoCache: true } && !(asked?.MaxAge < lifetime);
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = lifetime;
        context.CacheVaryByRules.QueryKeys = "*";
        context.Tags.Add(tag(http));

        // On a miss the stored headers are taken before this runs, so neither header is stored with the entry.
        http.Response.OnStarting(() =>
        {
            http.Response.Headers[StatusHeader] = http.Items.ContainsKey(HitKey) ? "HIT" : "MISS";
            if (http.Response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status304NotModified)
            {
                // Stored downstream only if revalidated here (ETag / If-None-Match): evictions reach this cache, not theirs.
                http.Response.Headers.CacheControl = "public, no-cache";
            }

            return Task.CompletedTask;
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        context.HttpContext.Items[HitKey] = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
    {
        var response = context.HttpContext.Response;
        if (response.StatusCode != StatusCodes.Status200OK || response.Headers.SetCookie.Count > 0)
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// After a successful write that changes a product (its own routes; checkout, payment and cancellation, which move its
/// stock), evicts that product's cached reads, in the shared store, so the writer and every gateway read the change
/// next. This is the fast path for the writer; every change, also one made on a silo alone (a payment window
/// expiring), is evicted again by the silos from the event log, a poll interval later.
/// </summary>
/// <remarks>
/// Listings are not evicted here: they are read from the read model, which holds the change only once the silos have
/// projected it from the event log, and the silos evict every listing right after that write. Evicting them now would
/// let the next reader cache the old rows again, at the cost of a Redis write and a backplane message per checkout.
/// </remarks>
public sealed class CatalogEviction(IOutputCacheStore cache) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        if ((inner as IStatusCodeHttpResult)?.StatusCode is not (>= 200 and < 300))
        {
            return result;
        }

        var skus = (inner as IValueHttpResult)?.Value switch
        {
            ProductView product => [product.Sku],
            OrderView order => order.Lines.Select(line => line.Sku).ToArray(),
            _ => context.HttpContext.Request.RouteValues["sku"] is string sku ? [sku] : Array.Empty<string>(),
        };
        await cache.EvictProducts(skus, context.HttpContext.RequestAborted);
        return result;
    }
}
