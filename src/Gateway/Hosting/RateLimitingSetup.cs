using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.RateLimiting;

namespace OrderActors.Gateway.Hosting;

/// <summary>A token bucket per client, bound from the <c>RateLimiting</c> configuration section.</summary>
public sealed class RateLimitSettings
{
    /// <summary>The bucket's size: the burst a client may send at once.</summary>
    public int TokenLimit { get; set; } = 200;

    /// <summary>Tokens put back each <see cref="ReplenishmentPeriod"/>: the sustained rate.</summary>
    public int TokensPerPeriod { get; set; } = 100;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Rate limiting per client: the token's subject when signed in, else the remote address. A refused request
/// gets 429 with Retry-After and a ProblemDetails body. Endpoints that opt out (health, metrics) are never limited.
/// </summary>
public static class RateLimitingSetup
{
    public static IHostApplicationBuilder AddGatewayRateLimiting(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("RateLimiting").Get<RateLimitSettings>() ?? new RateLimitSettings();
        builder.Services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                RateLimitPartition.GetTokenBucketLimiter(ClientKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.TokenLimit,
                    TokensPerPeriod = settings.TokensPerPeriod,
                    ReplenishmentPeriod = settings.ReplenishmentPeriod,
                    QueueLimit = 0,
                }));
            options.OnRejected = (rejected, _) => Reject(rejected, settings);
        });
        return builder;
    }

    // The authentication feature, not HttpContext.User, which makes up an anonymous user for a request nobody authenticated.
    private static string ClientKey(HttpContext context) =>
        context.Features.Get<IHttpAuthenticationFeature>()?.User?.FindFirst(Policies.SubjectClaim)?.Value is { } subject
            ? "sub:" + subject
            : "ip:" + context.Connection.RemoteIpAddress;

    private static async ValueTask Reject(OnRejectedContext rejected, RateLimitSettings settings)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : settings.ReplenishmentPeriod;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new()
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"The rate limit for this client is exhausted; retry in {seconds} s.",
            },
        });
    }
}
