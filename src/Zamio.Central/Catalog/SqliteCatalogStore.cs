using System.Runtime.InteropServices;
using Dapper;
using Microsoft.Data.Sqlite;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Central.Storage;

namespace Zamio.Central.Catalog;

/// <summary>
/// The embedded catalogue: one SQLite file under the data directory holding tracks and their packed peaks.
/// The index is rebuilt from peaks at load; hashes are never stored, so only a peak-format change
/// (<see cref="FingerprintSettings.AlgorithmVersion"/>) needs re-fingerprinting.
/// </summary>
public sealed class SqliteCatalogStore : IDisposable
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE tracks (
            id TEXT PRIMARY KEY,
            title TEXT,
            artist TEXT,
            isrc TEXT,
            duration REAL NOT NULL,
            frame_count INTEGER NOT NULL,
            algorithm INTEGER NOT NULL,
            peaks BLOB NOT NULL,
            added_at TEXT NOT NULL
        );
        """,
    ];

    private readonly SqliteConnection _connection;

    private SqliteCatalogStore(SqliteConnection connection)
    {
        _connection = connection;
    }

    public static SqliteCatalogStore Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, "catalog.db");
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        connection.Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        Migrate(connection);
        return new SqliteCatalogStore(connection);
    }

    public void Upsert(CatalogTrack track, TrackPeaks peaks)
    {
        var blob = MemoryMarshal.AsBytes(peaks.Packed).ToArray();
        _connection.Execute(
            """
            INSERT INTO tracks (id, title, artist, isrc, duration, frame_count, algorithm, peaks, added_at)
            VALUES (@Id, @Title, @Artist, @Isrc, @DurationSeconds, @FrameCount, @AlgorithmVersion, @Peaks, @AddedAt)
            ON CONFLICT(id) DO UPDATE SET title = excluded.title, artist = excluded.artist, isrc = excluded.isrc,
                duration = excluded.duration, frame_count = excluded.frame_count, algorithm = excluded.algorithm,
                peaks = excluded.peaks, added_at = excluded.added_at
            """,
            new
            {
                track.Id, track.Title, track.Artist, track.Isrc, track.DurationSeconds, peaks.FrameCount,
                track.AlgorithmVersion, Peaks = blob, AddedAt = track.AddedAt.ToString("O"),
            });
    }

    /// <summary>See <see cref="ICatalogStore.DescribeAsync"/>.</summary>
    public IReadOnlyList<string> Describe(IReadOnlyDictionary<string, TrackMetadata> tracks)
    {
        using var transaction = _connection.BeginTransaction();
        var unknown = new List<string>();
        foreach (var (id, meta) in tracks.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (_connection.Execute("UPDATE tracks SET title = @Title, artist = @Artist, isrc = @Isrc WHERE id = @id",
                    new { id, meta.Title, meta.Artist, meta.Isrc }, transaction) == 0)
            {
                unknown.Add(id);
            }
        }

        if (unknown.Count == 0)
        {
            transaction.Commit();
        }

        return unknown;
    }

    /// <summary>See <see cref="ICatalogStore.ReplaceDescriptionAsync"/>.</summary>
    public bool ReplaceDescription(string id, TrackMetadata expected, TrackMetadata replacement) =>
        _connection.Execute(
            """
            UPDATE tracks SET title = @Title, artist = @Artist, isrc = @Isrc
            WHERE id = @id AND title IS @ExpectedTitle AND artist IS @ExpectedArtist AND isrc IS @ExpectedIsrc
            """,
            new
            {
                id, replacement.Title, replacement.Artist, replacement.Isrc,
                ExpectedTitle = expected.Title, ExpectedArtist = expected.Artist, ExpectedIsrc = expected.Isrc,
            }) > 0;

    public bool Remove(string id) =>
        _connection.Execute("DELETE FROM tracks WHERE id = @id", new { id }) > 0;

    private const string SelectPeaks = "SELECT id AS Id, frame_count AS FrameCount, algorithm AS Algorithm, peaks AS Peaks FROM tracks";
    private const string SelectTracks = "SELECT id, title, artist, isrc, duration, algorithm, added_at AS AddedAt FROM tracks";

    public IReadOnlyList<CatalogTrack> List() =>
        [.. _connection.Query<TrackRow>($"{SelectTracks} ORDER BY id").Select(r => r.ToTrack())];

    public IReadOnlyList<CatalogTrack> Page(string? after, int limit) =>
        [.. _connection.Query<TrackRow>($"{SelectTracks} WHERE @after IS NULL OR id > @after ORDER BY id LIMIT @limit", new { after, limit }).Select(r => r.ToTrack())];

    public CatalogTrack? Find(string id) =>
        _connection.QuerySingleOrDefault<TrackRow>($"{SelectTracks} WHERE id = @id", new { id })?.ToTrack();

    public bool Contains(string id) =>
        _connection.ExecuteScalar<long>("SELECT COUNT(*) FROM tracks WHERE id = @id", new { id }) > 0;

    /// <summary>Stored peaks of the given tracks (all when <paramref name="ids"/> is null), in id order.</summary>
    public IReadOnlyList<StoredPeaks> LoadPeaks(IReadOnlyCollection<string>? ids = null)
    {
        // A change reads one track's peaks, not the whole catalogue's.
        var rows = ids is null
            ? _connection.Query<PeaksRow>($"{SelectPeaks} ORDER BY id")
            : _connection.Query<PeaksRow>($"{SelectPeaks} WHERE id IN @ids ORDER BY id", new { ids });
        return [.. rows.Select(r => new StoredPeaks(r.Id, (int)r.FrameCount, (int)r.Algorithm, r.Peaks))];
    }

    /// <summary>Builds the in-memory index from every track fingerprinted with the current algorithm.</summary>
    public FingerprintIndex LoadIndex(out int staleTracks) => StoredIndex.Build(LoadPeaks(), out staleTracks);

    public void Dispose() => _connection.Dispose();

    private static void Migrate(SqliteConnection connection) => SqliteMigrator.Apply(connection, Migrations);

    private sealed record PeaksRow(string Id, long FrameCount, long Algorithm, byte[] Peaks);

    private sealed record TrackRow(string Id, string? Title, string? Artist, string? Isrc, double Duration, long Algorithm, string AddedAt)
    {
        public CatalogTrack ToTrack() => new(Id, Title, Artist, Isrc, Duration, (int)Algorithm,
            DateTimeOffset.Parse(AddedAt, System.Globalization.CultureInfo.InvariantCulture));
    }
}
