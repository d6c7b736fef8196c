namespace OrderActors.Grains.Tests;

/// <summary>The write coalescing behind the hot product: batching, durability before acknowledgement, failure.</summary>
public sealed class GroupCommitTests
{
    private readonly List<TaskCompletionSource> writes = [];

    private GroupCommit NewCommit() => new(() =>
    {
        var write = new TaskCompletionSource();
        writes.Add(write);
        return write.Task;
    });

    [Fact]
    public async Task Changes_made_during_a_write_go_out_together_in_the_next_write()
    {
        var commit = NewCommit();

        var first = commit.Persist();
        var during = Enumerable.Range(0, 5).Select(_ => commit.Persist()).ToList();
        Assert.Single(writes);

        writes[0].SetResult();
        await first;
        await WaitFor(() => writes.Count == 2);
        Assert.All(during, t => Assert.False(t.IsCompleted));

        writes[1].SetResult();
        await Task.WhenAll(during);
        Assert.Equal(2, writes.Count);
    }

    [Fact]
    public async Task Durable_waits_for_the_write_of_what_was_observed()
    {
        var commit = NewCommit();
        Assert.True(commit.Durable().IsCompleted);

        _ = commit.Persist();
        var durable = commit.Durable();
        Assert.False(durable.IsCompleted);

        writes[0].SetResult();
        await durable;
    }

    [Fact]
    public async Task A_failed_write_fails_every_waiting_caller_and_every_later_one()
    {
        var commit = NewCommit();
        var first = commit.Persist();
        var waiting = commit.Persist();

        writes[0].SetException(new InvalidOperationException("storage down"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting);
        await Assert.ThrowsAsync<InvalidOperationException>(() => commit.Persist());
        Assert.Single(writes);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
