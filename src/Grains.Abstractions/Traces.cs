namespace OrderActors.Grains.Abstractions;

/// <summary>Spans the grains start themselves, beside the ones Orleans, ASP.NET Core and Npgsql record.</summary>
public static class Traces
{
    /// <summary>The activity source of the grains' own spans.</summary>
    public const string SourceName = "OrderActors.Grains";

    /// <summary>A deadline shard asking its due orders: a trace of its own when its timer starts it, else part of the reminder tick's.</summary>
    public const string DeadlineSweep = "DeadlineGrain/Sweep";
}
