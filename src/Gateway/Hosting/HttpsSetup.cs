namespace OrderActors.Gateway.Hosting;

/// <summary>
/// With <c>Https:Redirect</c> on, plain HTTP requests are redirected (307) to HTTPS, on <c>Https:Port</c> or the one
/// HTTPS endpoint Kestrel listens on; probes and scrapes under /health and /metrics are answered on either. The
/// certificate is Kestrel's own configuration (<c>Kestrel:Certificates:Default</c>: a .pfx with its password, or a
/// PEM certificate and key).
/// </summary>
public static class HttpsSetup
{
    public static IHostApplicationBuilder AddGatewayHttps(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpsRedirection(options => options.HttpsPort = builder.Configuration.GetValue<int?>("Https:Port"));
        return builder;
    }

    public static WebApplication UseGatewayHttpsRedirection(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>("Https:Redirect"))
        {
            app.UseWhen(
                context => !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"),
                branch => branch.UseHttpsRedirection());
        }

        return app;
    }
}
