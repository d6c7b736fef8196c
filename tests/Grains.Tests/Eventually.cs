namespace OrderActors.Grains.Tests;

/// <summary>How a grain test waits for what happens after a call has returned (a one-way call, a timer, a reader).</summary>
internal static class Eventually
{
    public static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not in 30 s");
            await Task.Delay(20);
        }
    }
}
