using Microsoft.Data.Sqlite;
using Npgsql;

namespace Zamio.Central.Storage;

/// <summary>How every part of central tells a database that is away from a request it refuses.</summary>
internal static class StorageErrors
{
    /// <summary>
    /// Whether the error is the database's condition rather than the request's: the database is away or cannot take writes
    /// for now, so a write is retried (plays wait in the play writer's buffer) and a read is answered "unavailable".
    /// Besides what Npgsql counts as transient: a read-only transaction (a failover landed on a standby), rejected
    /// credentials (a password rotation in progress) and a missing database.
    /// </summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException postgres => postgres.IsTransient || postgres.SqlState is "25006" or "3D000" || postgres.SqlState.StartsWith("28", StringComparison.Ordinal),
        NpgsqlException => true,
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 8 or 10 or 13 or 14, // busy, locked, read-only, I/O, disk full, cannot open
        TimeoutException or System.Net.Sockets.SocketException or IOException => true,
        _ => false,
    };
}
