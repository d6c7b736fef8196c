using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;

namespace OrderActors.Gateway.Hosting;

/// <summary>The authorization policies endpoints name.</summary>
public static class Policies
{
    /// <summary>Role <c>admin</c>: catalog and stock writes, shipping, any cart or order, /api/admin, every silo's dashboard.</summary>
    public const string Admin = "admin";

    /// <summary>Any signed-in caller with a subject: a customer, whose <c>sub</c> is the customer id.</summary>
    public const string Customer = "customer";

    /// <summary>Role <c>integration</c> (or <c>admin</c>): systems that read the event feed.</summary>
    public const string Integration = "integration";

    /// <summary>Role <c>payments</c> (or <c>admin</c>): whoever confirms payments taken at the provider (<c>POST /api/orders/{id}/pay</c>).</summary>
    public const string Payments = "payments";

    public const string AdminRole = "admin";

    public const string PaymentsRole = "payments";

    public const string IntegrationRole = "integration";

    public const string SubjectClaim = "sub";
}

/// <summary>JWT bearer authentication and the <see cref="Policies"/>; silos compile this file too, for their dashboards.</summary>
public static class AuthenticationSetup
{
    public static IHostApplicationBuilder AddOrderActorsAuthentication(this IHostApplicationBuilder builder)
    {
        var settings = AuthSettings.From(builder.Configuration);
        var signingKey = settings.UsesAuthority ? null : settings.SymmetricKey(); // fail at start, not at the first request

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            // Keep claim names as issued ("sub", "role") rather than mapped to long WS-* URIs.
            options.MapInboundClaims = false;
            options.Audience = settings.Audience;
            options.TokenValidationParameters.NameClaimType = Policies.SubjectClaim;
            options.TokenValidationParameters.RoleClaimType = settings.RoleClaim;
            if (settings.UsesAuthority)
            {
                options.Authority = settings.Authority;
            }
            else
            {
                options.TokenValidationParameters.ValidIssuer = settings.Issuer;
                options.TokenValidationParameters.IssuerSigningKey = signingKey;
            }
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, policy => policy.RequireClaim(Policies.SubjectClaim).RequireRole(Policies.AdminRole))
            .AddPolicy(Policies.Customer, policy => policy.RequireClaim(Policies.SubjectClaim))
            .AddPolicy(Policies.Integration, policy => policy.RequireClaim(Policies.SubjectClaim).RequireRole(Policies.IntegrationRole, Policies.AdminRole))
            .AddPolicy(Policies.Payments, policy => policy.RequireClaim(Policies.SubjectClaim).RequireRole(Policies.PaymentsRole, Policies.AdminRole));
        return builder;
    }

    /// <summary>
    /// Authentication runs only on a route that requires authorization: a token's signature check costs tens of
    /// microseconds, and even a request without one costs an authentication handler (with its logger) made for it.
    /// A public catalog read does not need to know who asks: such a request is anonymous whatever it carries (the rate
    /// limiter counts it by the client's address). The gateway's routing runs first, so the endpoint is known here.
    /// (The silos' dashboards read tokens their own way.)
    /// </summary>
    public static IApplicationBuilder UseAuthenticationWhereRequired(this IApplicationBuilder app)
    {
        app.UseWhen(RequiresAuthorization, branch => branch.UseAuthentication());
        // UseAuthentication marks the builder it is given, here the branch's copy of the properties; unmarked, the
        // WebApplication would add authentication for every request in front of the pipeline (AuthTests proves it does not).
        app.Properties[AuthenticationMiddlewareSet] = true;
        return app;
    }

    /// <summary>The property by which ASP.NET Core knows that the application placed authentication itself.</summary>
    private const string AuthenticationMiddlewareSet = "__AuthenticationMiddlewareSet";

    private static bool RequiresAuthorization(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata &&
        metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0 &&
        metadata.GetMetadata<IAllowAnonymous>() is null;
}
