using Dapper;
using Microsoft.Data.Sqlite;
using Zamio.Central.Storage;

namespace Zamio.Central.Hosting;

/// <summary>
/// The embedded service database (<c>central.db</c> under the data directory): stations, plays and rematch jobs. Versioned
/// migrations run on open; every caller gets its own pooled connection, so HTTP reads never wait on ingest.
/// </summary>
public sealed class CentralDatabase
{
    public const string FileName = "central.db";

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE stations (
            id TEXT PRIMARY KEY,
            key_salt BLOB NOT NULL,
            key_hash BLOB NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE plays (
            play_key TEXT PRIMARY KEY,
            station TEXT NOT NULL,
            session TEXT NOT NULL,
            play_id INTEGER NOT NULL,
            track TEXT NOT NULL,
            start_utc TEXT NOT NULL,
            end_utc TEXT NOT NULL,
            confidence REAL NOT NULL,
            speed REAL NOT NULL,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX plays_station_start ON plays (station, start_utc);
        CREATE INDEX plays_start ON plays (start_utc);
        """,
        """
        CREATE INDEX plays_ongoing ON plays (station) WHERE status = 'ongoing';
        """,
        """
        CREATE INDEX plays_end ON plays (end_utc);
        """,
        Archive.RematchJobStore.Schema,
    ];

    private readonly string _connectionString;

    private CentralDatabase(string connectionString)
    {
        _connectionString = connectionString;
    }

    public static CentralDatabase Open(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30 }.ToString();
        var database = new CentralDatabase(connectionString);
        using var connection = database.Connect();
        connection.Execute("PRAGMA journal_mode = WAL;");
        Migrate(connection);
        return database;
    }

    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        connection.Execute("PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
        return connection;
    }

    private static void Migrate(SqliteConnection connection) => SqliteMigrator.Apply(connection, Migrations);
}
