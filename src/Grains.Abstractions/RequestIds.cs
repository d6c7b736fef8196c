namespace OrderActors.Grains.Abstractions;

/// <summary>How the id of the HTTP request that caused a grain call travels with it: in Orleans' RequestContext.</summary>
public static class RequestIds
{
    /// <summary>The RequestContext key; the gateway sets it, silos put it on every log line of the call.</summary>
    public const string Key = "request-id";

    /// <summary>The log property that carries the id, the same in the gateway and in silos.</summary>
    public const string LogProperty = "RequestId";
}
