using Dapper;
using Microsoft.Data.Sqlite;

namespace Zamio.Central.Storage;

/// <summary>
/// Applies numbered migrations to an embedded SQLite file, each in its own transaction, recording progress in
/// <c>schema_version</c>; already applied ones are skipped, so opening a file twice is harmless.
/// </summary>
public static class SqliteMigrator
{
    public static void Apply(SqliteConnection connection, IReadOnlyList<string> migrations)
    {
        connection.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var current = connection.ExecuteScalar<long?>("SELECT MAX(version) FROM schema_version") ?? 0;
        for (var v = (int)current; v < migrations.Count; v++)
        {
            using var tx = connection.BeginTransaction();
            connection.Execute(migrations[v], transaction: tx);
            connection.Execute("INSERT INTO schema_version (version) VALUES (@v)", new { v = v + 1 }, tx);
            tx.Commit();
        }
    }
}
