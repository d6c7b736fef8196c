using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OrderActors.Grains.Tests;

/// <summary>
/// Every warning and error the test clusters' silos log (they run in the test process), so that a test can assert what
/// a failure did or did not log. Entries from every cluster and test land here: a test picks its own by a grain's key.
/// </summary>
public sealed class SiloLogs : ILoggerProvider
{
    public static readonly SiloLogs Provider = new();

    private readonly ConcurrentQueue<Entry> entries = new();

    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception);

    /// <summary>The errors logged so far whose message or exception names <paramref name="text"/>.</summary>
    public IReadOnlyList<Entry> ErrorsAbout(string text) =>
        entries.Where(e => e.Level >= LogLevel.Error && (e.Message.Contains(text, StringComparison.Ordinal) || e.Exception?.ToString().Contains(text, StringComparison.Ordinal) == true)).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(SiloLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
