using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace OrderActors.Gateway.Tests;

/// <summary>A Serilog sink that keeps every log event, so tests can read what a request caused to be logged.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> events = new();

    public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);

    public IReadOnlyList<LogEvent> Events => events.ToArray();

    public IEnumerable<LogEvent> WithProperty(string name, string value) =>
        Events.Where(e => e.Properties.TryGetValue(name, out var property) && property is ScalarValue { Value: string s } && s == value);

    /// <summary>
    /// The first request log line (one with a <c>ClientAddress</c>) that matches, waiting for it: the line is written
    /// once the response has gone, so it may come a moment after the client has its answer.
    /// </summary>
    public async Task<LogEvent> WaitFor(Func<LogEvent, bool> requestLine)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (Events.FirstOrDefault(e => e.Properties.ContainsKey("ClientAddress") && requestLine(e)) is { } found)
            {
                return found;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "no such request log line was written");
            await Task.Delay(50);
        }
    }

    public static string Render(LogEvent logEvent) =>
        logEvent.RenderMessage() + " " + string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}")) + " " + logEvent.Exception;
}
