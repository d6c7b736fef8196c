using Serilog;
using Serilog.Formatting.Compact;

namespace OrderActors.Hosting;

/// <summary>Serilog for every OrderActors process: structured, to stdout, human-readable only in Development.</summary>
public static class SerilogSetup
{
    public static IHostApplicationBuilder AddOrderActorsLogging(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, logger) =>
        {
            // Sinks registered as services (ILogEventSink) are added too: how tests capture log lines.
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (development)
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
            else
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        }, preserveStaticLogger: true); // each host logs through its own logger, even with two hosts in one test process
        return builder;
    }
}
