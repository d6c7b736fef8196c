using System.Diagnostics;
using Xunit.Sdk;

namespace OrderActors.Tests;

/// <summary>
/// Waiting for what happens after a call has returned (a cluster converging, a background task, a log line, an exported
/// span): how a test asks "eventually" without sleeping a fixed time. It looks often at first, then twice a second.
/// </summary>
public static class Poll
{
    /// <summary>How long a test waits for what should take moments, unless it says otherwise.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Reads until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns the last value read either way.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        for (var pause = 20; ; pause = Math.Min(pause * 2, 500))
        {
            var value = await read();
            if (done(value) || waited.Elapsed > timeout)
            {
                return value;
            }

            await Task.Delay(pause);
        }
    }

    /// <summary>Reads until <paramref name="done"/> holds and returns that value; fails the test, naming what did not happen, once the time is up.</summary>
    public static async Task<T> For<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Patience;
        var value = await Until(read, done, limit);
        return done(value) ? value : throw new XunitException($"{what}: not within {limit.TotalSeconds:0.#} s");
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test, naming what did not happen, once the time is up.</summary>
    public static Task For(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        For(condition, held => held, what, timeout);

    /// <summary>Looks through what has been recorded so far until <paramref name="find"/> finds something, and returns it.</summary>
    public static async Task<T> Found<T>(Func<T?> find, string what, TimeSpan? timeout = null)
        where T : class =>
        (await For(() => Task.FromResult(find()), found => found is not null, what, timeout))!;
}
