using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using OrderActors.Gateway.Hosting;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// The dashboard is for admins: a silo accepts the gateway's tokens (same <c>Auth</c> section, same policies), from the
/// Authorization header or, for a browser, from a cookie it gets once through <c>/dashboard/?access_token=JWT</c>.
/// </summary>
public static class DashboardAuthentication
{
    public const string Path = "/dashboard";

    private const string CookieName = "orderactors-dashboard";

    private const string HandoffParameter = "access_token";

    public static IHostApplicationBuilder AddDashboardAuthentication(this IHostApplicationBuilder builder)
    {
        builder.AddOrderActorsAuthentication();
        builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            options.Events = new JwtBearerEvents { OnMessageReceived = ReadDashboardToken });
        return builder;
    }

    /// <summary>
    /// Trades an admin's handoff token for the dashboard cookie and redirects to the same URL without it, so the token
    /// leaves the address bar and history. Any other token gets no cookie: the dashboard's own 401 or 403 answers it.
    /// </summary>
    public static IApplicationBuilder UseDashboardSignIn(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!FromBrowser(request) || HandoffToken(request) is not { } token
            || !(await context.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, Policies.Admin)).Succeeded)
        {
            await next(context);
            return;
        }

        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            Path = Path,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            IsEssential = true,
        });
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Redirect(request.PathBase + request.Path + QueryString.Create(request.Query.Where(q => q.Key != HandoffParameter)));
    });

    // A browser cannot put a bearer header on the dashboard's own requests: it signs in once and then sends the cookie.
    private static Task ReadDashboardToken(MessageReceivedContext context)
    {
        if (FromBrowser(context.Request))
        {
            context.Token = HandoffToken(context.Request) ?? context.Request.Cookies[CookieName];
        }

        return Task.CompletedTask;
    }

    /// <summary>A dashboard request without an Authorization header, which would otherwise win.</summary>
    private static bool FromBrowser(HttpRequest request) =>
        request.Headers.Authorization.Count == 0 && request.Path.StartsWithSegments(Path);

    private static string? HandoffToken(HttpRequest request) =>
        request.Query[HandoffParameter] is [{ Length: > 0 } token] ? token : null;
}
