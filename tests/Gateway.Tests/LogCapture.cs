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

    public static string Render(LogEvent logEvent) =>
        logEvent.RenderMessage() + " " + string.Join(" ", logEvent.Properties.Select(p => $"{p.Key}={p.Value}")) + " " + logEvent.Exception;
}
