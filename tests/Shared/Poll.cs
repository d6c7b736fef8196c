namespace OrderActors.Tests;

/// <summary>Waiting for something to converge (a cluster, a background task): how a test asks "eventually" without sleeping a fixed time.</summary>
public static class Poll
{
    /// <summary>Reads until <paramref name="done"/> holds or <paramref name="timeout"/> passes; returns the last value read either way.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(500);
        }
    }
}
