namespace OrderActors.Grains.Deadlines;

/// <summary>The persisted state of one deadline shard.</summary>
[GenerateSerializer, Alias("orderactors.deadline-state")]
public sealed class DeadlineState
{
    /// <summary>The shard's key, kept in the state so stored data explains itself (the consistency checker reads it).</summary>
    [Id(1)] public string Shard { get; set; } = "";

    /// <summary>When each tracked order must be asked again, by order id.</summary>
    [Id(0)] public Dictionary<string, DateTimeOffset> Due { get; set; } = [];
}
