using System.Collections.Concurrent;
using OrderActors.Gateway.Hosting;

namespace OrderActors.Gateway.Tests;

/// <summary>
/// The catalog cache's tag removals: overlapping removals of one tag share one, and a caller is answered only by a
/// removal that began after it asked (so after the change it evicts for).
/// </summary>
public sealed class SharedTagRemovalsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Every removal the store was asked to make, in order, each finished when the test says.</summary>
    private readonly ConcurrentQueue<(string Tag, TaskCompletionSource Finish)> made = new();

    [Fact]
    public async Task Removals_asked_for_during_one_under_way_share_the_next_which_starts_when_it_ends()
    {
        var removals = new SharedTagRemovals(Make);

        var first = removals.Remove("product:a");
        var waiting = Enumerable.Range(0, 10).Select(_ => removals.Remove("product:a")).ToList();
        var otherTag = removals.Remove("product:b");

        Assert.Equal(["product:a", "product:b"], made.Select(m => m.Tag));
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        Finish(0);
        await first.WaitAsync(Patience);
        await Made(3);
        // The ten share the second removal, begun after they asked; the first one did not answer them.
        Assert.Equal("product:a", made.ElementAt(2).Tag);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        var late = removals.Remove("product:a");
        Finish(2);
        await Task.WhenAll(waiting).WaitAsync(Patience);
        Assert.False(late.IsCompleted);
        await Made(4);
        Finish(3);
        Finish(1);
        await Task.WhenAll(late, otherTag).WaitAsync(Patience);

        Assert.Equal(["product:a", "product:b", "product:a", "product:a"], made.Select(m => m.Tag));
    }

    [Fact]
    public async Task A_failed_removal_fails_its_callers_and_the_next_one_still_runs()
    {
        var removals = new SharedTagRemovals(Make);
        var failing = removals.Remove("listings");
        var next = removals.Remove("listings");

        made.ElementAt(0).Finish.SetException(new InvalidOperationException("Redis is away"));
        await Made(2);
        Finish(1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.WaitAsync(Patience));
        await next.WaitAsync(Patience);
        // Nothing left under way: the next caller starts a removal of its own at once.
        var after = removals.Remove("listings");
        await Made(3);
        Finish(2);
        await after.WaitAsync(Patience);
    }

    private Task Make(string tag)
    {
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        made.Enqueue((tag, finish));
        return finish.Task;
    }

    private void Finish(int index) => made.ElementAt(index).Finish.SetResult();

    private async Task Made(int count) =>
        Assert.Equal(count, await Poll.Until(() => Task.FromResult(made.Count), asked => asked >= count, Patience));
}
