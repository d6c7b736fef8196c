namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Cross-origin calls from browsers, for the origins, methods and headers in the <c>Cors</c> section (comma-separated).
/// With no origin configured (the default) no response carries CORS headers, so browsers keep pages of other origins out.
/// </summary>
public static class CorsSetup
{
    public static IHostApplicationBuilder AddGatewayCors(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Cors");
        builder.Services.AddCors(options => options.AddDefaultPolicy(policy =>
        {
            policy.WithOrigins(section.GetList("AllowedOrigins"))
                .WithMethods(section.GetList("AllowedMethods"))
                .WithHeaders(section.GetList("AllowedHeaders"))
                // What a script may read from our answers: where a new entity is, versions, retry hints, the request id.
                .WithExposedHeaders("Location", "ETag", "Retry-After", "X-Request-ID")
                .SetPreflightMaxAge(section.GetValue("PreflightMaxAge", TimeSpan.FromMinutes(10)));
        }));
        return builder;
    }
}
