using System.Data.Common;
using System.Net.Sockets;
using OrderActors.Grains.Abstractions;
using OrderActors.Grains.Carts;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrderActors.Silo.Hosting;

/// <summary>
/// The one rule for failed writes, for every grain: an activation whose storage write failed, or whose call ended in
/// an exception, is discarded, and the next call reloads what is stored.
/// </summary>
/// <remarks>
/// Orleans leaves a grain's in-memory state as the grain changed it when a write throws, and our grains change state
/// before persisting it. Discarding is correct because (1) <see cref="DiscardingGrainStorage"/> deactivates the
/// activation the moment its write fails and refuses every later write from that state, so an unsaved change can
/// never be persisted by a later write; (2) a deactivating activation starts no further call: Orleans holds queued
/// calls and reroutes them to a new activation, which reads the stored state, so no later read shows the change;
/// (3) <see cref="DiscardingCallFilter"/> does the same for a call that fails elsewhere (a reminder write, another
/// grain) after changing state. Grains answer domain refusals as values, never as exceptions, so an exception always
/// means "something outside failed": rereading costs one storage read. Outages reach callers as
/// <see cref="DependencyUnavailableException"/>, which the gateway answers with 503 and <c>Retry-After</c>.
/// </remarks>
public static class DiscardOnFailure
{
    /// <summary>
    /// Applies the rule to every grain storage provider registered so far (so call it after them) and to every call
    /// of our grains: a grain added later, with a storage of its own, is under the rule without a line of its own.
    /// </summary>
    public static ISiloBuilder AddDiscardOnFailure(this ISiloBuilder silo)
    {
        foreach (var registered in silo.Services.Where(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService).ToList())
        {
            silo.Services.Remove(registered);
            silo.Services.AddKeyedSingleton<IGrainStorage>(registered.ServiceKey, (services, key) => new DiscardingGrainStorage(
                Create(registered, services, key), services.GetRequiredService<IGrainContextAccessor>()));
        }

        silo.AddIncomingGrainCallFilter<DiscardingCallFilter>();
        silo.Services.AddSingleton<IConfigureGrainContextProvider, DiscardMark.Provider>();
        return silo;
    }

    /// <summary>Whether <paramref name="grain"/> is one of ours (the rule leaves Orleans' own grains alone).</summary>
    public static bool IsOurs(object? grain) => grain?.GetType().Assembly == typeof(CartGrain).Assembly;

    /// <summary>
    /// Discards an activation: marked first, so that its state never moves to another silo with it, then deactivated.
    /// Without an exception in the reason: Orleans would reject the calls queued meanwhile with it instead of rerouting
    /// them to the next activation.
    /// </summary>
    public static void Discard(IGrainContext activation, string why)
    {
        DiscardMark.Set(activation);
        activation.Deactivate(new(DeactivationReasonCode.ApplicationError, why));
    }

    /// <summary>
    /// Whether an exception means a dependency is out or the stored state moved (worth a retry), rather than a bug:
    /// a transient database error (connection refused or lost, timeout, server shutting down), a socket error, a
    /// timeout, or an ETag conflict. A database exception that crossed a silo boundary arrives as Orleans' fallback
    /// exception carrying only its type name.
    /// </summary>
    public static bool IsDependencyFailure(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DependencyUnavailableException or DbException { IsTransient: true } or SocketException or
                TimeoutException or InconsistentStateException or ReminderException ||
                current is UnavailableExceptionFallbackException { ExceptionType: { } type } && type.StartsWith("Npgsql.", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The exception a caller gets: a dependency failure as one retryable type, anything else as it was.</summary>
    public static Exception ForCaller(Exception exception) =>
        exception is not DependencyUnavailableException && IsDependencyFailure(exception)
            ? new DependencyUnavailableException($"A dependency failed: {exception.GetBaseException().GetType().Name}: {exception.GetBaseException().Message}")
            : exception;

    private static IGrainStorage Create(ServiceDescriptor registered, IServiceProvider services, object? key) =>
        registered.KeyedImplementationFactory is { } factory ? (IGrainStorage)factory(services, key)
        : registered.KeyedImplementationInstance is IGrainStorage instance ? instance
        : (IGrainStorage)ActivatorUtilities.CreateInstance(services, registered.KeyedImplementationType!);
}
