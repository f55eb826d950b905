namespace Zamio.Central.Storage;

/// <summary>Plays statements written the same for PostgreSQL and SQLite; the stores map the rows to their types.</summary>
internal static class PlaySql
{
    public const string Select = """
        SELECT station, play_key AS PlayKey, track, start_utc AS StartUtc, end_utc AS EndUtc, confidence, speed, status
        FROM plays
        """;

    /// <summary>A station's plays stored as ongoing (served by the partial index <c>plays_ongoing</c>).</summary>
    public const string Ongoing = Select + """

        WHERE station = @station AND status = 'ongoing'
        ORDER BY start_utc, play_key
        """;

    /// <summary>
    /// The update half of both stores' upsert: which write of a play wins. A retraction always; otherwise only a write that
    /// reaches further, or as far but over a row not closed yet, so a late or repeated write never shortens a play.
    /// </summary>
    public const string UpsertUpdate = """
        DO UPDATE SET
            track = excluded.track, start_utc = excluded.start_utc, end_utc = excluded.end_utc,
            confidence = excluded.confidence, speed = excluded.speed, updated_at = excluded.updated_at,
            status = excluded.status
        WHERE excluded.status = 'retracted' OR excluded.end_utc > plays.end_utc
            OR (excluded.end_utc = plays.end_utc AND plays.status <> 'closed')
        """;

    /// <summary>
    /// How far apart two starts of one track on one station may be and still be one airing. A stream matched again (a
    /// day replayed from a logger, a reinstalled agent's spool, a restart after its plays were closed) writes under new
    /// play keys; the stores write such a play onto the airing another session already stored instead of adding a
    /// second. A session's own plays are never merged: its tracker already decided they are two.
    /// </summary>
    public static readonly TimeSpan SameAiring = TimeSpan.FromSeconds(10);

    /// <summary>See <see cref="IPlayStore.CloseAbandoned"/>; the stores pass the times in their own column types.</summary>
    public const string CloseAbandoned = """
        UPDATE plays SET status = 'closed', updated_at = @now
        WHERE status = 'ongoing' AND updated_at < @untouchedSince
        """;

    /// <summary>Airtime per station and track; the stores give their own expression for a play's length in seconds.</summary>
    public static string Airplay(string secondsExpression, string stationFilter) => $"""
        SELECT station, track, COUNT(*) AS Plays, SUM(CASE WHEN status = 'ongoing' THEN 1 ELSE 0 END) AS Ongoing,
               SUM({secondsExpression}) AS Seconds, MIN(start_utc) AS FirstStart, MAX(end_utc) AS LastEnd
        FROM plays
        WHERE status <> 'retracted' AND start_utc >= @from AND start_utc < @to {stationFilter}
        GROUP BY station, track
        ORDER BY station, track
        """;
}
