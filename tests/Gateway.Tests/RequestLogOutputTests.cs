using System.Text;
using System.Text.Json;
using OrderActors.Hosting;
using Serilog;
using Serilog.Configuration;
using Serilog.Formatting.Compact;

namespace OrderActors.Gateway.Tests;

public sealed class RequestLogOutputTests
{
    [Fact]
    public void Lines_still_queued_when_the_logger_is_disposed_are_written_in_order()
    {
        const int lines = 4500; // four full batches go out at once; the last 500 wait for the hour or the disposal
        var stream = new MemoryStream();
        var logger = new LoggerConfiguration()
            .WriteTo.Sink(new BatchedStreamSink(new RenderedCompactJsonFormatter(), stream),
                new BatchingOptions { BatchSizeLimit = 1000, BufferingTimeLimit = TimeSpan.FromHours(1), EagerlyEmitFirstEvent = false })
            .CreateLogger();

        for (var i = 0; i < lines; i++)
        {
            logger.Information("HTTP request {Number}", i);
        }

        logger.Dispose();

        var written = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("@m").GetString());
        Assert.Equal(Enumerable.Range(0, lines).Select(i => $"HTTP request {i}"), written);
    }
}
