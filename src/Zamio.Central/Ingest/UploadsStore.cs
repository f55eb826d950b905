using Dapper;
using Zamio.Central.Hosting;

namespace Zamio.Central.Ingest;

/// <summary>A processed clip upload as stored for idempotent replies (the JSON is exactly what was answered).</summary>
public sealed record StoredUpload(string StationId, string ChunkId, string ResultJson);

/// <summary>
/// Results of mobile clip uploads, keyed by (station, chunk id), in the table <c>uploads</c> of <c>central.db</c>.
/// The SQL is plain and portable (PostgreSQL accepts it as written, with <c>text</c> columns), so a PostgreSQL
/// implementation is a copy with another connection. The table is created on first use rather than by a
/// numbered migration, so it never races another area's migration list.
/// </summary>
public sealed class UploadsStore
{
    private const string CreateTable =
        """
        CREATE TABLE IF NOT EXISTS uploads (
            station TEXT NOT NULL,
            chunk_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            duration_seconds REAL,
            metadata TEXT,
            track TEXT,
            play_key TEXT,
            result TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (station, chunk_id)
        )
        """;

    private const string Insert =
        """
        INSERT INTO uploads (station, chunk_id, started_at, duration_seconds, metadata, track, play_key, result, created_at)
        VALUES (@Station, @ChunkId, @StartedAt, @DurationSeconds, @Metadata, @Track, @PlayKey, @Result, @CreatedAt)
        ON CONFLICT (station, chunk_id) DO NOTHING
        """;

    private const string Select =
        "SELECT station AS StationId, chunk_id AS ChunkId, result AS ResultJson FROM uploads WHERE station = @station AND chunk_id = @chunkId";

    private readonly CentralDatabase _database;

    public UploadsStore(CentralDatabase database)
    {
        _database = database;
        using var connection = database.Connect();
        connection.Execute(CreateTable);
    }

    public StoredUpload? Find(string station, string chunkId)
    {
        using var connection = _database.Connect();
        return connection.QuerySingleOrDefault<StoredUpload>(Select, new { station, chunkId });
    }

    /// <summary>Stores a result unless one exists; returns the stored one (the first writer wins a race).</summary>
    public StoredUpload Save(UploadRow row)
    {
        using var connection = _database.Connect();
        connection.Execute(Insert, row);
        return connection.QuerySingle<StoredUpload>(Select, new { station = row.Station, chunkId = row.ChunkId });
    }
}

/// <summary>One row of <c>uploads</c>; times as ISO 8601 UTC text.</summary>
public sealed record UploadRow(
    string Station,
    string ChunkId,
    string StartedAt,
    double? DurationSeconds,
    string? Metadata,
    string? Track,
    string? PlayKey,
    string Result,
    string CreatedAt);
