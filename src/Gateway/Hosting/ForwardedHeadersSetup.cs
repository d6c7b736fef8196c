using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// The real client behind a load balancer: <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed only when
/// the connection comes from a proxy or network listed in the <c>ForwardedHeaders</c> section; none is by default, so
/// a forged header from anyone else changes nothing. Everything after it (rate limits, logs, HTTPS redirection and
/// HSTS) sees the client's address and scheme.
/// </summary>
public static class ForwardedHeadersSetup
{
    public static IHostApplicationBuilder AddGatewayForwardedHeaders(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("ForwardedHeaders");
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; we trust exactly what is configured.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list is still consulted, and holds loopback by default
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var proxy in section.GetList("KnownProxies"))
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in section.GetList("KnownNetworks"))
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }

            // Each trusted hop may add one address; the first untrusted one from the right is the client.
            options.ForwardLimit = section.GetValue("ForwardLimit", 1);
        });
        return builder;
    }

    public static WebApplication UseGatewayForwardedHeaders(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        // The middleware believes every peer when both lists are empty: with nothing trusted, it must not run at all.
        if (options.KnownProxies.Count > 0 || options.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
