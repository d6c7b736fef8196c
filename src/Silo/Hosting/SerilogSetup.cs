using Serilog;
using Serilog.Configuration;
using Serilog.Formatting.Compact;

namespace OrderActors.Hosting;

/// <summary>Serilog for every OrderActors process: structured, to stdout, human-readable only in Development.</summary>
public static class SerilogSetup
{
    /// <param name="builder">The host.</param>
    /// <param name="batched">
    /// Outside Development, queue log lines and write them to stdout many at a time, off the request path (the gateway,
    /// which logs a line per request); otherwise each line is its own write.
    /// </param>
    public static IHostApplicationBuilder AddOrderActorsLogging(this IHostApplicationBuilder builder, bool batched = false)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSerilog((services, logger) =>
        {
            // Sinks registered as services (ILogEventSink) are added too: how tests capture log lines.
            logger.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            if (development)
            {
                // The trace id, where there is one, finds every line of a request across processes (docs/operations.md).
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {TraceId} {SourceContext}: {Message:lj}{NewLine}{Exception}");
            }
            else if (batched)
            {
                // Lines reach stdout within 200 ms; the host disposes the logger on shutdown, which writes what is queued.
                logger.WriteTo.Sink(new BatchedStreamSink(new RenderedCompactJsonFormatter(), Console.OpenStandardOutput()),
                    new BatchingOptions { BufferingTimeLimit = TimeSpan.FromMilliseconds(200) });
            }
            else
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
        }, preserveStaticLogger: true); // each host logs through its own logger, even with two hosts in one test process
        return builder;
    }
}
