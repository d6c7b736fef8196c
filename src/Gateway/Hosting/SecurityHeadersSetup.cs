namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Security headers on every response the gateway writes (NetEscapades.AspNetCore.SecurityHeaders): no MIME sniffing,
/// no referrer, no framing, a CSP that lets an API response load nothing, and Strict-Transport-Security on HTTPS.
/// The API reference at /docs is a page that runs Scalar's script, so it gets a CSP that allows exactly what it loads.
/// </summary>
public static class SecurityHeadersSetup
{
    private const string DocsPolicy = "docs";

    public static IHostApplicationBuilder AddGatewaySecurityHeaders(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSecurityHeaderPolicies()
            .SetDefaultPolicy(policy => policy.AddDefaultApiSecurityHeaders())
            .AddPolicy(DocsPolicy, policy => policy
                .AddDefaultApiSecurityHeaders()
                .AddContentSecurityPolicy(csp =>
                {
                    csp.AddDefaultSrc().None();
                    // Scalar's bundle (/docs/scalar.js) and the inline script that starts it with our options.
                    csp.AddScriptSrc().Self().UnsafeInline();
                    csp.AddStyleSrc().Self().UnsafeInline();
                    csp.AddImgSrc().Self().Data().Blob();
                    csp.AddFontSrc().Self().Data().From("https://fonts.scalar.com");
                    // The OpenAPI document and "try it" requests go to this gateway.
                    csp.AddConnectSrc().Self();
                    csp.AddWorkerSrc().Self().Blob();
                    csp.AddBaseUri().Self();
                    csp.AddFormAction().Self();
                    csp.AddFrameAncestors().None();
                    csp.AddObjectSrc().None();
                }))
            .SetPolicySelector(context => context.HttpContext.Request.Path.StartsWithSegments("/docs")
                ? context.ConfiguredPolicies[DocsPolicy]
                : context.SelectedPolicy);
        return builder;
    }
}
