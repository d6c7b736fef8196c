namespace OrderActors.Grains.Abstractions;

/// <summary>
/// Marks a grain method that a caller may send again after a transient cluster failure (a silo leaving mid-call):
/// it only reads, or repeating it leaves the same state, or a repeat is refused without changing anything.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SafeToRetryAttribute : Attribute;
