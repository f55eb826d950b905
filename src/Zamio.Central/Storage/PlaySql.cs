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
}
