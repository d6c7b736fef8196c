namespace OrderActors.Grains.Abstractions;

/// <summary>The value of a command that succeeded and has nothing to report.</summary>
[GenerateSerializer, Immutable, Alias("orderactors.done")]
public sealed record Done
{
    public static readonly Done Instance = new();
}
