namespace OrderActors.Grains.Abstractions;

/// <summary>
/// A dependency a grain needs — PostgreSQL for its state or reminders, Redis for the grain directory when it is kept
/// there — failed or timed out, or its stored state changed under it. Nothing the failed operation changed in memory is
/// kept (the activation is discarded), so the caller may retry the same request; the gateway answers 503 with
/// <c>Retry-After</c>.
/// </summary>
/// <remarks>Carries the cause as text only: the silo logs the original exception, whose type a client cannot load.</remarks>
[GenerateSerializer, Alias("orderactors.dependency-unavailable")]
public sealed class DependencyUnavailableException : Exception
{
    public DependencyUnavailableException()
    {
    }

    public DependencyUnavailableException(string message)
        : base(message)
    {
    }

    public DependencyUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
