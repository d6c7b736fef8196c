namespace OrderActors.Grains.Tests;

/// <summary>Fresh keys per test, so tests sharing a cluster never see each other's grains.</summary>
public static class Unique
{
    public static string Key(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 13)];
}
