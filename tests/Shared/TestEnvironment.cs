namespace OrderActors.Tests;

/// <summary>Where the test suites find their real dependencies; override with environment variables.</summary>
public static class TestEnvironment
{
    public static string Postgres { get; } = Read(
        "ORDERACTORS_TEST_POSTGRES",
        "Host=127.0.0.1;Port=55432;Username=postgres;Database=orderactors_test;Maximum Pool Size=20");

    public static string Redis { get; } = Read("ORDERACTORS_TEST_REDIS", "127.0.0.1:56379");

    private static string Read(string variable, string fallback) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : fallback;
}
