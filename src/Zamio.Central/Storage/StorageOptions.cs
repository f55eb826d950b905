using System.ComponentModel.DataAnnotations;

namespace Zamio.Central.Storage;

/// <summary>
/// Storage settings (section <c>Zamio:Storage</c>). The backends are chosen by connection strings:
/// <c>ConnectionStrings:Postgres</c> for PostgreSQL, otherwise the embedded SQLite files under the data directory.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Zamio:Storage";

    public const string PostgresConnectionName = "Postgres";

    /// <summary>Distinct plays held in memory while the database is unreachable; past this, new plays are dropped and counted.</summary>
    [Range(100, 10_000_000)]
    public int PlayBufferCapacity { get; set; } = 100_000;

    /// <summary>First retry delay of a failed play write; doubles up to <see cref="MaxRetryDelayMilliseconds"/>.</summary>
    [Range(10, 60_000)]
    public int RetryDelayMilliseconds { get; set; } = 200;

    [Range(10, 600_000)]
    public int MaxRetryDelayMilliseconds { get; set; } = 5_000;

    /// <summary>
    /// How often a <c>serve</c> on the embedded store looks for catalogue changes made by another process (the
    /// <c>catalog</c> verbs) and applies them.
    /// </summary>
    [Range(100, 600_000)]
    public int EmbeddedCatalogPollMilliseconds { get; set; } = 2_000;

    /// <summary>Largest number of plays written in one statement.</summary>
    [Range(1, 100_000)]
    public int WriteBatchSize { get; set; } = 2_000;
}
