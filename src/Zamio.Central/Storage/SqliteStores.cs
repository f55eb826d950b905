using Dapper;
using Microsoft.Data.Sqlite;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Storage;

/// <summary>Stations in the embedded <c>central.db</c>.</summary>
public sealed class SqliteStationStore(CentralDatabase database) : IStationStore
{
    public void Save(StationCredential credential, DateTimeOffset createdAt)
    {
        using var connection = database.Connect();
        connection.Execute(
            StationSql.Save,
            new { credential.Id, credential.Salt, credential.Hash, CreatedAt = createdAt.ToString("O") });
    }

    public StationCredential? Find(string stationId)
    {
        using var connection = database.Connect();
        return connection.QuerySingleOrDefault<StationCredential>(StationSql.Find, new { stationId });
    }

    public IReadOnlyList<string> List()
    {
        using var connection = database.Connect();
        return [.. connection.Query<string>(StationSql.List)];
    }

    public IReadOnlyList<StationCredential> Credentials()
    {
        using var connection = database.Connect();
        return [.. connection.Query<StationCredential>(StationSql.Credentials)];
    }

    public bool Remove(string stationId)
    {
        using var connection = database.Connect();
        return connection.Execute(StationSql.Remove, new { stationId }) > 0;
    }
}

/// <summary>Plays in the embedded <c>central.db</c>; the primary key is the play key, which begins with the station.</summary>
public sealed class SqlitePlayStore(CentralDatabase database) : IPlayStore
{
    private readonly AiringKeys _airings = new();

    public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (plays.Count == 0)
        {
            return;
        }

        using var connection = database.Connect();
        using var tx = connection.BeginTransaction();
        var updatedAt = now.ToUniversalTime().ToString("O");
        // SQLite answers in process: the lookup completes before it returns.
        var (rows, learned) = await _airings.ResolveAsync(
            plays, unknown => Task.FromResult<IReadOnlyDictionary<(string, string), string>>(StoredAirings(connection, tx, unknown))).ConfigureAwait(false);
        foreach (var play in rows)
        {
            connection.Execute(
                $"""
                INSERT INTO plays (play_key, station, session, play_id, track, start_utc, end_utc, confidence, speed, status, updated_at)
                VALUES (@PlayKey, @Station, @Session, @PlayId, @Track, @Start, @End, @Confidence, @Speed, @Status, @Now)
                ON CONFLICT(play_key) {PlaySql.UpsertUpdate}
                """,
                new
                {
                    play.PlayKey,
                    play.Station,
                    Session = PlayKeys.Session(play.PlayKey),
                    PlayId = PlayKeys.PlayId(play.PlayKey),
                    play.Track,
                    Start = Utc(play.Start),
                    End = Utc(play.End),
                    play.Confidence,
                    play.Speed,
                    play.Status,
                    Now = updatedAt,
                },
                tx);
        }

        tx.Commit();
        _airings.Remember(learned);
    }

    /// <summary>The stored airing (see <see cref="PlaySql.SameAiring"/>) each of these plays not stored yet is, if any.</summary>
    private static Dictionary<(string Station, string PlayKey), string> StoredAirings(SqliteConnection connection, SqliteTransaction tx, List<PlayRecord> unknown)
    {
        var found = new Dictionary<(string Station, string PlayKey), string>();
        foreach (var play in unknown)
        {
            var key = connection.QueryFirstOrDefault<string>(
                """
                SELECT p.play_key FROM plays p
                WHERE p.station = @Station AND p.track = @Track AND p.session <> @Session AND p.status <> 'retracted'
                    AND p.start_utc BETWEEN @From AND @To
                    AND NOT EXISTS (SELECT 1 FROM plays q WHERE q.play_key = @PlayKey)
                ORDER BY abs(julianday(p.start_utc) - julianday(@Start)), p.play_key
                LIMIT 1
                """,
                new
                {
                    play.Station, play.Track, play.PlayKey, Session = PlayKeys.Session(play.PlayKey), Start = Utc(play.Start),
                    From = Utc(play.Start - PlaySql.SameAiring), To = Utc(play.Start + PlaySql.SameAiring),
                },
                tx);
            if (key is not null)
            {
                found[(play.Station, play.PlayKey)] = key;
            }
        }

        return found;
    }

    public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null)
    {
        using var connection = database.Connect();
        var rows = connection.Query<PlayRow>(
            QueryText(station is not null, from is not null, to is not null, after is not null),
            new
            {
                station, from = from is null ? null : Utc(from.Value), to = to is null ? null : Utc(to.Value), limit,
                afterStart = after is null ? null : Utc(after.Start), afterKey = after?.PlayKey,
            });
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>
    /// SQLite plans a statement before its parameters are bound, so optional filters written as
    /// <c>@x IS NULL OR ...</c> can use no index: each combination gets its own text. With only a lower bound the
    /// plays ending after it are read through <c>plays_end</c> and sorted (<c>+start_utc</c> keeps the planner from
    /// walking the whole history in start order instead), so a "what aired since" poll costs what it returns.
    /// </summary>
    internal static string QueryText(bool station, bool from, bool to, bool after = false)
    {
        var order = from && !station && !to ? "+start_utc" : "start_utc";
        return PlaySql.Select + $"""

            WHERE status <> 'retracted'
              {(station ? "AND station = @station" : "")}
              {(from ? "AND end_utc >= @from" : "")}
              {(to ? "AND start_utc < @to" : "")}
              {(after ? "AND (start_utc, play_key) > (@afterStart, @afterKey)" : "")}
            ORDER BY {order}, play_key
            LIMIT @limit
            """;
    }

    public IReadOnlyList<PlayRecord> Ongoing(string station)
    {
        using var connection = database.Connect();
        var rows = connection.Query<PlayRow>(PlaySql.Ongoing, new { station });
        return [.. rows.Select(r => r.ToRecord())];
    }

    // updated_at holds round-trip ("O") UTC text, which orders as the times do.
    public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now)
    {
        using var connection = database.Connect();
        return connection.Execute(PlaySql.CloseAbandoned, new { untouchedSince = untouchedSince.ToUniversalTime().ToString("O"), now = now.ToUniversalTime().ToString("O") });
    }

    public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to)
    {
        using var connection = database.Connect();
        var rows = connection.Query<AirplayRow>(
            PlaySql.Airplay("(julianday(end_utc) - julianday(start_utc)) * 86400.0", station is null ? "" : "AND station = @station"),
            new { station, from = Utc(from), to = Utc(to) });
        return [.. rows.Select(r => new AirplayTotal(r.Station, r.Track, (int)r.Plays, (int)r.Ongoing, r.Seconds, Parse(r.FirstStart), Parse(r.LastEnd)))];
    }

    // Fixed-width UTC text sorts in time order, so range queries can compare strings.
    private static string Utc(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string utc) =>
        DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);

    // SQLite types aggregate columns by value, not declaration: settable properties let Dapper convert each one.
    private sealed class AirplayRow
    {
        public string Station { get; set; } = "";

        public string Track { get; set; } = "";

        public long Plays { get; set; }

        public long Ongoing { get; set; }

        public double Seconds { get; set; }

        public string FirstStart { get; set; } = "";

        public string LastEnd { get; set; } = "";
    }

    private sealed record PlayRow(string Station, string PlayKey, string Track, string StartUtc, string EndUtc, double Confidence, double Speed, string Status)
    {
        public PlayRecord ToRecord() => new(
            Station,
            PlayKey,
            Track,
            Parse(StartUtc),
            Parse(EndUtc),
            Confidence,
            Speed,
            Status);
    }
}

/// <summary>The embedded catalogue file (<c>catalog.db</c>) behind <see cref="ICatalogStore"/>.</summary>
public sealed class SqliteCatalogRepository(string dataDirectory) : ICatalogStore
{
    private readonly Lock _gate = new();

    public Task UpsertAsync(CatalogTrack track, TrackPeaks peaks, CancellationToken cancellationToken) =>
        Use(store =>
        {
            store.Upsert(track, peaks);
            return true;
        });

    public Task<bool> RemoveAsync(string id, CancellationToken cancellationToken) => Use(store => store.Remove(id));

    public Task<IReadOnlyList<string>> DescribeAsync(IReadOnlyDictionary<string, TrackMetadata> tracks, CancellationToken cancellationToken) =>
        Use(store => store.Describe(tracks));

    public Task<bool> ReplaceDescriptionAsync(string id, TrackMetadata expected, TrackMetadata replacement, CancellationToken cancellationToken) =>
        Use(store => store.ReplaceDescription(id, expected, replacement));

    public Task<IReadOnlyList<CatalogTrack>> ListAsync(CancellationToken cancellationToken) => Use(store => store.List());

    public Task<IReadOnlyList<CatalogTrack>> PageAsync(string? after, int limit, CancellationToken cancellationToken) => Use(store => store.Page(after, limit));

    public Task<CatalogTrack?> FindAsync(string id, CancellationToken cancellationToken) => Use(store => store.Find(id));

    public Task<IReadOnlyList<StoredPeaks>> LoadPeaksAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) =>
        Use(store => store.LoadPeaks(ids));

    // One caller at a time, each on the file as it is now (the command line may have changed it).
    private Task<T> Use<T>(Func<SqliteCatalogStore, T> action)
    {
        lock (_gate)
        {
            using var store = SqliteCatalogStore.Open(dataDirectory);
            return Task.FromResult(action(store));
        }
    }
}

/// <summary>Play keys are <c>station/session/id</c>; the session is everything before the last slash.</summary>
public static class PlayKeys
{
    public static string Session(string playKey) => playKey[..playKey.LastIndexOf('/')];

    public static long PlayId(string playKey) =>
        long.Parse(playKey[(playKey.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
