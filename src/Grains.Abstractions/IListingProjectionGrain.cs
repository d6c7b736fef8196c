namespace OrderActors.Grains.Abstractions;

/// <summary>The reader of the event log that keeps the listings read model; one per cluster, key <see cref="Key"/>.</summary>
[Alias("orderactors.IListingProjectionGrain")]
public interface IListingProjectionGrain : ILogConsumerGrain
{
    public const string Key = "listings";
}
