namespace Zamio.Central.Storage;

/// <summary>Station statements written the same for PostgreSQL and SQLite; the stores bind their own parameter types.</summary>
internal static class StationSql
{
    public const string Save = """
        INSERT INTO stations (id, key_salt, key_hash, created_at) VALUES (@Id, @Salt, @Hash, @CreatedAt)
        ON CONFLICT (id) DO UPDATE SET key_salt = excluded.key_salt, key_hash = excluded.key_hash
        """;

    public const string Find = "SELECT id AS Id, key_salt AS Salt, key_hash AS Hash FROM stations WHERE id = @stationId";

    public const string List = "SELECT id FROM stations ORDER BY id";

    public const string Credentials = "SELECT id AS Id, key_salt AS Salt, key_hash AS Hash FROM stations";

    public const string Remove = "DELETE FROM stations WHERE id = @stationId";
}
