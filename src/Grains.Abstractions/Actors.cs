namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Who caused a change: the token subject of the HTTP request (the gateway puts it in Orleans' RequestContext, which
/// carries it through every grain call the request causes), or <see cref="System"/> for reminders and the cluster's own work.
/// </summary>
public static class Actors
{
    /// <summary>The RequestContext key.</summary>
    public const string Key = "actor";

    public const string System = "system";

    /// <summary>The payment provider, acting through its signed callbacks.</summary>
    public const string PaymentProvider = "payment-provider";

    /// <summary>The actor of the call running now.</summary>
    public static string Current => RequestContext.Get(Key) as string ?? System;
}
