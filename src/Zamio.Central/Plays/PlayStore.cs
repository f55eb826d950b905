using Dapper;
using Zamio.Central.Hosting;

namespace Zamio.Central.Plays;

/// <summary>One stored play, as the API returns it.</summary>
public sealed record PlayRecord(
    string Station,
    string PlayKey,
    string Track,
    DateTimeOffset Start,
    DateTimeOffset End,
    double Confidence,
    double Speed,
    string Status);

/// <summary>Plays in the embedded database; writes are idempotent upserts keyed by station, session and play id.</summary>
public sealed class PlayStore(CentralDatabase database, TimeProvider time)
{
    public void Upsert(IReadOnlyList<PlayRecord> plays)
    {
        if (plays.Count == 0)
        {
            return;
        }

        using var connection = database.Connect();
        using var tx = connection.BeginTransaction();
        var now = time.GetUtcNow().ToString("O");
        foreach (var play in plays)
        {
            connection.Execute(
                """
                INSERT INTO plays (play_key, station, session, play_id, track, start_utc, end_utc, confidence, speed, status, updated_at)
                VALUES (@PlayKey, @Station, @Session, @PlayId, @Track, @Start, @End, @Confidence, @Speed, @Status, @Now)
                ON CONFLICT(play_key) DO UPDATE SET
                    track = excluded.track, start_utc = excluded.start_utc, end_utc = excluded.end_utc,
                    confidence = excluded.confidence, speed = excluded.speed, updated_at = excluded.updated_at,
                    status = CASE WHEN plays.status = 'closed' THEN 'closed' ELSE excluded.status END
                """,
                new
                {
                    play.PlayKey,
                    play.Station,
                    Session = play.PlayKey[..play.PlayKey.LastIndexOf('/')],
                    PlayId = long.Parse(play.PlayKey[(play.PlayKey.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                    play.Track,
                    Start = Utc(play.Start),
                    End = Utc(play.End),
                    play.Confidence,
                    play.Speed,
                    play.Status,
                    Now = now,
                },
                tx);
        }

        tx.Commit();
    }

    /// <summary>Plays overlapping [from, to), optionally for one station, by start time.</summary>
    public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit)
    {
        using var connection = database.Connect();
        var rows = connection.Query<PlayRow>(
            """
            SELECT station, play_key AS PlayKey, track, start_utc AS StartUtc, end_utc AS EndUtc, confidence, speed, status
            FROM plays
            WHERE (@station IS NULL OR station = @station)
              AND (@from IS NULL OR end_utc >= @from)
              AND (@to IS NULL OR start_utc < @to)
            ORDER BY start_utc, play_key
            LIMIT @limit
            """,
            new { station, from = from is null ? null : Utc(from.Value), to = to is null ? null : Utc(to.Value), limit });
        return [.. rows.Select(r => r.ToRecord())];
    }

    // Fixed-width UTC text sorts in time order, so range queries can compare strings.
    private static string Utc(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record PlayRow(string Station, string PlayKey, string Track, string StartUtc, string EndUtc, double Confidence, double Speed, string Status)
    {
        public PlayRecord ToRecord() => new(
            Station,
            PlayKey,
            Track,
            DateTimeOffset.Parse(StartUtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
            DateTimeOffset.Parse(EndUtc, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal),
            Confidence,
            Speed,
            Status);
    }
}
