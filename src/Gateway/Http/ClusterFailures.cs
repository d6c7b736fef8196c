using Orleans.Runtime.Messaging;

namespace OrderActors.Gateway.Http;

/// <summary>Which exceptions mean "no silo could answer" rather than a bug: those become 503, never 500.</summary>
public static class ClusterFailures
{
    public static bool IsUnavailable(Exception exception) => exception is
        SiloUnavailableException or
        OrleansMessageRejectionException or
        ConnectionFailedException or
        GatewayTooBusyException or
        TimeoutException;
}
