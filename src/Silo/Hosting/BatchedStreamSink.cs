using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace OrderActors.Hosting;

/// <summary>
/// Writes each batch of log events to a stream (stdout) as one buffered write, a formatted line per event, instead of
/// one write system call per line. Serilog's batching sink feeds it from a queue off the request path and, when the
/// logger is disposed at host shutdown, hands it every event still queued.
/// </summary>
public sealed class BatchedStreamSink(ITextFormatter formatter, Stream stream) : IBatchedLogEventSink, IDisposable
{
    private readonly StreamWriter output = new(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024);

    public Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        foreach (var logEvent in batch)
        {
            formatter.Format(logEvent, output);
        }

        output.Flush();
        return Task.CompletedTask;
    }

    public void Dispose() => output.Dispose();
}
