namespace OrderActors.Grains;

/// <summary>
/// Coalesces the writes of a reentrant grain: every change made while a write is in flight is persisted together
/// by the next write, and each caller is told its change is done only when a write that started after the change
/// has completed. One write's latency then bounds a batch, not each change.
/// Used only from the grain's own turns, which never run in parallel, so it needs no locks.
/// </summary>
/// <remarks>
/// With a <c>delay</c>, a write waits that long before it takes its batch, so that callers who need durability but not
/// speed share fewer writes. After a failed write the in-memory state holds changes that may never be stored: every waiting caller gets the
/// failure and no further write is attempted from that state. The silo's rule for failed writes
/// (<c>OrderActors.Silo.Hosting.DiscardOnFailure</c>) discards the activation, so the next one reloads what is stored.
/// </remarks>
public sealed class GroupCommit(Func<Task> write, TimeSpan delay = default)
{
    /// <summary>The batch being written now.</summary>
    private TaskCompletionSource? writing;

    /// <summary>The batch that collects changes made while <see cref="writing"/> is in flight.</summary>
    private TaskCompletionSource? next;

    private Exception? failure;

    /// <summary>Whether a write (or its delay) is under way; it takes every batch that forms meanwhile.</summary>
    private bool running;

    /// <summary>Schedules a write that will include every change made so far; completes when it is durable.</summary>
    public Task Persist()
    {
        if (failure is not null)
        {
            return Task.FromException(failure);
        }

        var batch = next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!running)
        {
            _ = Write();
        }

        return batch.Task;
    }

    /// <summary>
    /// Whether a write failed: the in-memory state may hold changes that were never stored, and nothing may be written
    /// from it again (its activation is being discarded).
    /// </summary>
    public bool Failed => failure is not null;

    /// <summary>Completes when everything the caller may have observed is durable; for replies that changed nothing.</summary>
    public Task Durable() =>
        failure is not null ? Task.FromException(failure) : (next ?? writing)?.Task ?? Task.CompletedTask;

    private async Task Write()
    {
        running = true;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }

        while (next is not null)
        {
            writing = next;
            next = null;
            try
            {
                await write();
                writing.SetResult();
            }
            catch (Exception exception)
            {
                failure = exception;
                writing.SetException(exception);
                next?.SetException(exception);
                next = null;
            }
        }

        writing = null;
        running = false;
    }
}
