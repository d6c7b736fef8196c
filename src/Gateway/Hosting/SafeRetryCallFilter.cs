using System.Collections.Concurrent;
using System.Reflection;
using OrderActors.Gateway.Http;
using OrderActors.Grains.Abstractions;

namespace OrderActors.Gateway.Hosting;

/// <summary>
/// Sends a grain call again when the cluster failed it transiently (a silo leaving mid-call) and its method is marked
/// <see cref="SafeToRetryAttribute"/>: the new attempt is addressed afresh, so it reaches a silo still in the cluster.
/// Everything else fails at once and becomes a 503.
/// </summary>
public sealed class SafeRetryCallFilter(ILogger<SafeRetryCallFilter> logger) : IOutgoingGrainCallFilter
{
    private const int Attempts = 3;

    private static readonly ConcurrentDictionary<MethodInfo, bool> Safe = new();

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var safe = context.InterfaceMethod is { } method && Safe.GetOrAdd(method, m => m.IsDefined(typeof(SafeToRetryAttribute)));
        for (var attempt = 1; ; attempt++)
        {
            Exception? failure;
            try
            {
                await context.Invoke();
                failure = context.Response?.Exception;
            }
            catch (Exception exception) when (safe && attempt < Attempts && ClusterFailures.IsUnavailable(exception))
            {
                failure = exception;
            }

            if (!safe || attempt == Attempts || failure is null || !ClusterFailures.IsUnavailable(failure))
            {
                return;
            }

            logger.LogWarning("Retrying {Interface}.{Method} (attempt {Attempt}) after {Failure}",
                context.InterfaceName, context.MethodName, attempt + 1, failure.GetType().Name);
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
        }
    }
}
