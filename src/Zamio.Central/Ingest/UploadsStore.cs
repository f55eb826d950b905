using System.Data.Common;
using Dapper;
using Npgsql;
using Zamio.Central.Hosting;

namespace Zamio.Central.Ingest;

/// <summary>A processed clip upload as stored for idempotent replies (the JSON is exactly what was answered).</summary>
public sealed record StoredUpload(string StationId, string ChunkId, string ResultJson);

/// <summary>
/// Results of mobile clip uploads, keyed by (station, chunk id), in the table <c>uploads</c>: in <c>central.db</c>
/// on the embedded store, in PostgreSQL when it is configured, so a retried chunk gets the stored answer from any
/// instance. The SQL is plain and portable (text columns); each database creates the table on first use rather
/// than in a numbered migration, so it never races another area's migration list.
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

    private readonly Func<DbConnection> _connect;
    private volatile bool _created;

    private UploadsStore(Func<DbConnection> connect)
    {
        _connect = connect;
    }

    public static UploadsStore Embedded(CentralDatabase database) => new(database.Connect);

    public static UploadsStore Postgres(NpgsqlDataSource dataSource) => new(dataSource.OpenConnection);

    public StoredUpload? Find(string station, string chunkId)
    {
        using var connection = Connect();
        return connection.QuerySingleOrDefault<StoredUpload>(Select, new { station, chunkId });
    }

    // The table is made on first use, so a database that is down at start delays only the first upload's answer.
    private DbConnection Connect()
    {
        var connection = _connect();
        if (!_created)
        {
            connection.Execute(CreateTable);
            _created = true;
        }

        return connection;
    }

    /// <summary>Stores a result unless one exists; returns the stored one (the first writer wins a race).</summary>
    public StoredUpload Save(UploadRow row)
    {
        using var connection = Connect();
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
