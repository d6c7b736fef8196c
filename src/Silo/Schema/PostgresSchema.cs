using System.Globalization;
using System.Reflection;
using Npgsql;

namespace OrderActors.Silo.Schema;

/// <summary>
/// Brings the Orleans tables and stored queries in PostgreSQL up to date from the scripts embedded
/// as <c>Schema/NNN_name.sql</c>, where NNN is the schema version the script produces.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The schema version this build expects: the number of its newest script.</summary>
    public const int Version = 10;

    // Any fixed value works as long as nothing else in the database uses it for another purpose.
    private const long MigrationLockKey = 0x4F72646572416374; // "OrderAct"

    private const string ScriptPrefix = "OrderActors.Silo.Schema.";

    /// <summary>
    /// Applies every embedded script newer than the version recorded in the database, in one
    /// transaction. Silos starting together serialize on an advisory lock, so each script runs once.
    /// </summary>
    public static async Task ApplyAsync(string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        var scripts = LoadScripts();

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(
            connection,
            """
            CREATE TABLE IF NOT EXISTS orderactors_schema_version
            (
              version integer PRIMARY KEY,
              applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            cancellationToken);

        var current = await ReadVersionAsync(connection, cancellationToken);
        foreach (var (version, sql) in scripts.Where(s => s.Version > current))
        {
            await ExecuteAsync(connection, sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO orderactors_schema_version (version) VALUES (@version)", connection);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Applied schema version {Version}", version);
            current = version;
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Schema is at version {Version}", current);
    }

    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM orderactors_schema_version", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static List<(int Version, string Sql)> LoadScripts()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ScriptPrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => (Version: ParseVersion(name), Sql: ReadResource(assembly, name)))
            .OrderBy(script => script.Version)
            .ToList();

        // Catches a new script added without bumping Version (or the other way round) and two scripts sharing a number.
        var versions = scripts.Select(s => s.Version).ToList();
        if (versions.Count == 0 || versions[^1] != Version || versions.Distinct().Count() != versions.Count)
        {
            throw new InvalidOperationException(
                $"Embedded schema scripts have versions [{string.Join(", ", versions)}]; expected unique versions ending at PostgresSchema.Version = {Version}.");
        }

        return scripts;
    }

    private static int ParseVersion(string resourceName)
    {
        var fileName = resourceName[ScriptPrefix.Length..];
        var digits = new string(fileName.TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : throw new InvalidOperationException($"Schema script '{fileName}' must start with its version number, e.g. 001_name.sql.");
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
