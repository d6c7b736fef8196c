namespace OrderActors.Silo.Hosting;

/// <summary>
/// <see cref="DiscardOnFailure"/>'s rule for calls: a call to one of our grains that ends in an exception deactivates
/// the activation (it may have changed state it could not store) and reaches the caller as a retryable
/// dependency failure when that is what it was.
/// </summary>
public sealed class DiscardingCallFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (DiscardOnFailure.IsOurs(context.Grain))
        {
            DiscardOnFailure.Discard(context.TargetContext, "A call failed: the state in memory may not be stored.");
            var forCaller = DiscardOnFailure.ForCaller(exception);
            if (ReferenceEquals(forCaller, exception))
            {
                throw;
            }

            throw forCaller;
        }
    }
}
