using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Kestrel's options from the <c>Kestrel</c> section, limits included (ASP.NET Core reads only endpoints and
/// certificates from it by itself): how many connections at once, how long a client may take to send its headers or
/// stay idle between requests, how large the headers and the request line may be.
/// </summary>
public static class ServerLimitsSetup
{
    public static IHostApplicationBuilder AddGatewayServerLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
        return builder;
    }
}
