using Dapper;
using Npgsql;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Storage;

/// <summary>Stations in PostgreSQL.</summary>
public sealed class PostgresStationStore(NpgsqlDataSource dataSource) : IStationStore
{
    public void Save(StationCredential credential, DateTimeOffset createdAt)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute(
            StationSql.Save,
            new { credential.Id, credential.Salt, credential.Hash, CreatedAt = createdAt.UtcDateTime });
    }

    public StationCredential? Find(string stationId)
    {
        using var connection = dataSource.OpenConnection();
        return connection.QuerySingleOrDefault<StationCredential>(StationSql.Find, new { stationId });
    }

    public IReadOnlyList<string> List()
    {
        using var connection = dataSource.OpenConnection();
        return [.. connection.Query<string>(StationSql.List)];
    }

    public IReadOnlyList<StationCredential> Credentials()
    {
        using var connection = dataSource.OpenConnection();
        return [.. connection.Query<StationCredential>(StationSql.Credentials)];
    }

    public bool Remove(string stationId)
    {
        using var connection = dataSource.OpenConnection();
        return connection.Execute(StationSql.Remove, new { stationId }) > 0;
    }
}

/// <summary>Plays in PostgreSQL, keyed by (station, play key); a batch is one multi-row upsert in one transaction.</summary>
public sealed class PostgresPlayStore(NpgsqlDataSource dataSource) : IPlayStore
{
    private readonly AiringKeys _airings = new();

    public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (plays.Count == 0)
        {
            return;
        }

        // One row per key in a statement (ON CONFLICT cannot touch a row twice); the buffer already coalesces.
        var latest = new Dictionary<(string, string), PlayRecord>();
        foreach (var play in plays)
        {
            latest[(play.Station, play.PlayKey)] = play;
        }

        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (tx.ConfigureAwait(false))
            {
                var (resolved, learned) = await _airings.ResolveAsync(latest.Values, unknown => StoredAiringsAsync(tx, unknown, cancellationToken)).ConfigureAwait(false);
                var rows = resolved.ToArray();
                if (rows.Length > 0)
                {
                    await InsertAsync(tx, rows, now, cancellationToken).ConfigureAwait(false);
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                _airings.Remember(learned);
            }
        }
    }

    private static Task InsertAsync(NpgsqlTransaction tx, PlayRecord[] rows, DateTimeOffset now, CancellationToken cancellationToken) =>
        tx.Connection!.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO plays (station, play_key, session, play_id, track, start_utc, end_utc, confidence, speed, status, updated_at)
            SELECT station, play_key, session, play_id, track, start_utc, end_utc, confidence, speed, status, @now
            FROM unnest(@stations, @keys, @sessions, @ids, @tracks, @starts, @ends, @confidences, @speeds, @statuses)
                AS p(station, play_key, session, play_id, track, start_utc, end_utc, confidence, speed, status)
            ON CONFLICT (station, play_key) {PlaySql.UpsertUpdate}
            """,
            new
            {
                now = now.UtcDateTime,
                stations = rows.Select(p => p.Station).ToArray(),
                keys = rows.Select(p => p.PlayKey).ToArray(),
                sessions = rows.Select(p => PlayKeys.Session(p.PlayKey)).ToArray(),
                ids = rows.Select(p => PlayKeys.PlayId(p.PlayKey)).ToArray(),
                tracks = rows.Select(p => p.Track).ToArray(),
                starts = rows.Select(p => p.Start.UtcDateTime).ToArray(),
                ends = rows.Select(p => p.End.UtcDateTime).ToArray(),
                confidences = rows.Select(p => p.Confidence).ToArray(),
                speeds = rows.Select(p => p.Speed).ToArray(),
                statuses = rows.Select(p => p.Status).ToArray(),
            },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// The stored airing (see <see cref="PlaySql.SameAiring"/>) each of these plays not stored yet is, if any. Two
    /// instances writing one airing under their own sessions' keys (a station moving between them) would each miss the
    /// other's uncommitted row and both insert: a paid play counted twice. So the stations of the plays looked up are
    /// locked first, until the transaction ends, and the second instance's lookup finds the first one's row. Plays whose
    /// key is known already have their row, so only these can add one. Locks are taken in one order (by key) so that two
    /// batches never each hold a lock the other waits for.
    /// </summary>
    private static async Task<IReadOnlyDictionary<(string Station, string PlayKey), string>> StoredAiringsAsync(
        NpgsqlTransaction tx, List<PlayRecord> unknown, CancellationToken cancellationToken)
    {
        var connection = tx.Connection!;
        var stations = unknown.Select(p => p.Station).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            SELECT pg_advisory_xact_lock(hashtext('zamio.plays.airing'), id)
            FROM (SELECT DISTINCT hashtext(station) AS id FROM unnest(@stations) AS s(station)) AS ids
            ORDER BY id
            """,
            new { stations },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (await connection.QueryAsync<(string Station, string PlayKey, string StoredKey)>(new CommandDefinition(
            """
            SELECT DISTINCT ON (b.station, b.play_key) b.station, b.play_key, p.play_key
            FROM unnest(@stations, @keys, @sessions, @tracks, @starts) AS b(station, play_key, session, track, start_utc)
            JOIN plays p ON p.station = b.station AND p.track = b.track AND p.session <> b.session AND p.status <> 'retracted'
                AND p.start_utc BETWEEN b.start_utc - @window AND b.start_utc + @window
            WHERE NOT EXISTS (SELECT 1 FROM plays q WHERE q.station = b.station AND q.play_key = b.play_key)
            ORDER BY b.station, b.play_key, abs(extract(epoch FROM p.start_utc - b.start_utc)), p.play_key
            """,
            new
            {
                stations,
                keys = unknown.Select(p => p.PlayKey).ToArray(),
                sessions = unknown.Select(p => PlayKeys.Session(p.PlayKey)).ToArray(),
                tracks = unknown.Select(p => p.Track).ToArray(),
                starts = unknown.Select(p => p.Start.UtcDateTime).ToArray(),
                window = PlaySql.SameAiring,
            },
            tx,
            cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(r => (r.Station, r.PlayKey), r => r.StoredKey);
    }

    public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null)
    {
        using var connection = dataSource.OpenConnection();
        var rows = connection.Query<PlayRow>(
            QueryText(station is not null, from is not null, to is not null, after is not null),
            new { station, from = from?.UtcDateTime, to = to?.UtcDateTime, limit, afterStart = after?.Start.UtcDateTime, afterKey = after?.PlayKey });
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>
    /// One text per combination of filters: written as <c>@x IS NULL OR ...</c> the cursor could bound no index scan,
    /// so every page re-read the period from its start (a month of 1.7 million plays took a minute to page through).
    /// The cursor is a range start on <c>start_utc</c> plus the tie-break on the play key.
    /// </summary>
    internal static string QueryText(bool station, bool from, bool to, bool after) => PlaySql.Select + $"""

        WHERE status <> 'retracted'
          {(station ? "AND station = @station" : "")}
          {(from ? "AND end_utc >= @from" : "")}
          {(to ? "AND start_utc < @to" : "")}
          {(after ? "AND start_utc >= @afterStart AND (start_utc, play_key) > (@afterStart, @afterKey)" : "")}
        ORDER BY start_utc, play_key
        LIMIT @limit
        """;

    public IReadOnlyList<PlayRecord> Ongoing(string station)
    {
        using var connection = dataSource.OpenConnection();
        var rows = connection.Query<PlayRow>(PlaySql.Ongoing, new { station });
        return [.. rows.Select(r => r.ToRecord())];
    }

    public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now)
    {
        using var connection = dataSource.OpenConnection();
        return connection.Execute(PlaySql.CloseAbandoned, new { untouchedSince = untouchedSince.UtcDateTime, now = now.UtcDateTime });
    }

    public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = dataSource.OpenConnection();
        var rows = connection.Query<AirplayRow>(
            PlaySql.Airplay("EXTRACT(EPOCH FROM end_utc - start_utc)::double precision", station is null ? "" : "AND station = @station"),
            new { station, from = from.UtcDateTime, to = to.UtcDateTime });
        return [.. rows.Select(r => new AirplayTotal(r.Station, r.Track, (int)r.Plays, (int)r.Ongoing, r.Seconds, Utc(r.FirstStart), Utc(r.LastEnd)))];
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private sealed record AirplayRow(string Station, string Track, long Plays, long Ongoing, double Seconds, DateTime FirstStart, DateTime LastEnd);

    private sealed record PlayRow(string Station, string PlayKey, string Track, DateTime StartUtc, DateTime EndUtc, double Confidence, double Speed, string Status)
    {
        public PlayRecord ToRecord() => new(
            Station,
            PlayKey,
            Track,
            Utc(StartUtc),
            Utc(EndUtc),
            Confidence,
            Speed,
            Status);
    }
}

/// <summary>The catalogue in PostgreSQL: tracks with descriptive fields and packed peaks (bytea).</summary>
public sealed class PostgresCatalogStore(NpgsqlDataSource dataSource) : ICatalogStore
{
    public async Task UpsertAsync(CatalogTrack track, TrackPeaks peaks, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO tracks (id, title, artist, isrc, duration, frame_count, algorithm, peaks, added_at)
                VALUES (@Id, @Title, @Artist, @Isrc, @DurationSeconds, @FrameCount, @AlgorithmVersion, @Peaks, @AddedAt)
                ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist = excluded.artist, isrc = excluded.isrc,
                    duration = excluded.duration, frame_count = excluded.frame_count, algorithm = excluded.algorithm,
                    peaks = excluded.peaks, added_at = excluded.added_at
                """,
                new
                {
                    track.Id, track.Title, track.Artist, track.Isrc, track.DurationSeconds, peaks.FrameCount, track.AlgorithmVersion,
                    Peaks = System.Runtime.InteropServices.MemoryMarshal.AsBytes(peaks.Packed).ToArray(),
                    AddedAt = track.AddedAt.UtcDateTime,
                },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM tracks WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    public async Task<IReadOnlyList<string>> DescribeAsync(IReadOnlyDictionary<string, TrackMetadata> tracks, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var updated = (await connection.QueryAsync<string>(new CommandDefinition(
                    """
                    UPDATE tracks AS t SET title = d.title, artist = d.artist, isrc = d.isrc
                    FROM unnest(@ids, @titles, @artists, @isrcs) AS d(id, title, artist, isrc)
                    WHERE t.id = d.id
                    RETURNING t.id
                    """,
                    new
                    {
                        ids = tracks.Keys.ToArray(),
                        titles = tracks.Values.Select(m => m.Title).ToArray(),
                        artists = tracks.Values.Select(m => m.Artist).ToArray(),
                        isrcs = tracks.Values.Select(m => m.Isrc).ToArray(),
                    },
                    transaction,
                    cancellationToken: cancellationToken)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
                var unknown = tracks.Keys.Where(id => !updated.Contains(id)).Order(StringComparer.Ordinal).ToList();
                if (unknown.Count == 0)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                return unknown;
            }
        }
    }

    public async Task<bool> ReplaceDescriptionAsync(string id, TrackMetadata expected, TrackMetadata replacement, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE tracks SET title = @Title, artist = @Artist, isrc = @Isrc
                WHERE id = @id AND title IS NOT DISTINCT FROM @ExpectedTitle::text AND artist IS NOT DISTINCT FROM @ExpectedArtist::text
                    AND isrc IS NOT DISTINCT FROM @ExpectedIsrc::text
                """,
                new
                {
                    id, replacement.Title, replacement.Artist, replacement.Isrc,
                    ExpectedTitle = expected.Title, ExpectedArtist = expected.Artist, ExpectedIsrc = expected.Isrc,
                },
                cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
        }
    }

    public async Task<IReadOnlyList<CatalogTrack>> ListAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<TrackRow>(new CommandDefinition(
                $"{SelectTracks} ORDER BY id", cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToTrack())];
        }
    }

    public async Task<IReadOnlyList<CatalogTrack>> PageAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<TrackRow>(new CommandDefinition(
                $"{SelectTracks} WHERE @after::text IS NULL OR id > @after ORDER BY id LIMIT @limit", new { after, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => r.ToTrack())];
        }
    }

    public async Task<CatalogTrack?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var row = await connection.QuerySingleOrDefaultAsync<TrackRow>(new CommandDefinition(
                $"{SelectTracks} WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return row?.ToTrack();
        }
    }

    public async Task<IReadOnlyList<StoredPeaks>> LoadPeaksAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var rows = await connection.QueryAsync<PeaksRow>(new CommandDefinition(
                """
                SELECT id AS Id, frame_count AS FrameCount, algorithm AS Algorithm, peaks AS Peaks
                FROM tracks
                WHERE @all OR id = ANY(@ids)
                ORDER BY id
                """,
                new { all = ids is null, ids = ids?.ToArray() ?? [] },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            return [.. rows.Select(r => new StoredPeaks(r.Id, r.FrameCount, r.Algorithm, r.Peaks))];
        }
    }

    private const string SelectTracks =
        "SELECT id AS Id, title AS Title, artist AS Artist, isrc AS Isrc, duration AS Duration, algorithm AS Algorithm, added_at AS AddedAt FROM tracks";

    private sealed record TrackRow(string Id, string? Title, string? Artist, string? Isrc, double Duration, int Algorithm, DateTime AddedAt)
    {
        public CatalogTrack ToTrack() => new(Id, Title, Artist, Isrc, Duration, Algorithm, new DateTimeOffset(DateTime.SpecifyKind(AddedAt, DateTimeKind.Utc)));
    }

    private sealed record PeaksRow(string Id, int FrameCount, int Algorithm, byte[] Peaks);
}
