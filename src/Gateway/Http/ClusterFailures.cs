using OrderActors.Grains.Abstractions;
using Orleans.Runtime.Messaging;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrderActors.Gateway.Http;

/// <summary>
/// Which exceptions mean "the service cannot answer right now" rather than a bug: no silo could answer, or a silo
/// could not reach its storage (the silo reports that as <see cref="DependencyUnavailableException"/>, having kept
/// nothing of the failed call). Those become 503 with Retry-After, never 500.
/// </summary>
public static class ClusterFailures
{
    public static bool IsUnavailable(Exception exception) => exception is
        SiloUnavailableException or
        OrleansMessageRejectionException or
        ConnectionFailedException or
        GatewayTooBusyException or
        TimeoutException or
        // A message that expired inside the cluster before it could be placed, e.g. while a silo is cut off and not yet
        // declared dead: Orleans hands the client the placement's OperationCanceledException as the call's failure.
        OperationCanceledException or
        // A write refused by the storage's version check: another activation of the grain (on a silo declared dead while
        // cut off) moved its state on. The refused activation is dropped and a retry reaches the current state.
        InconsistentStateException or
        // A silo's failure Orleans could not send back: a silo cut off from Redis or the other silos fails with
        // StackExchange.Redis or Polly timeout exceptions, which have no codec.
        CodecNotFoundException || IsStorageOutage(exception);

    /// <summary>What the 503 says, without internals.</summary>
    public static string Reason(Exception exception) => IsStorageOutage(exception)
        ? "Storage is briefly unavailable; nothing was changed by this request. Retry the same request shortly."
        : "No silo could answer; retry shortly.";

    /// <summary>
    /// A grain that could not load its state fails its activation, and Orleans hands the caller the storage's failure
    /// wrapped in its own exception: the silo's verdict is then found inside.
    /// </summary>
    private static bool IsStorageOutage(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DependencyUnavailableException)
            {
                return true;
            }
        }

        return false;
    }
}
