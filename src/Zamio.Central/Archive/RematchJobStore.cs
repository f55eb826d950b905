using System.Data.Common;
using Dapper;
using Npgsql;
using Zamio.Central.Hosting;

namespace Zamio.Central.Archive;

/// <summary>A rematch job as last stored: its status, when its instance last vouched for it, and its view as JSON.</summary>
public sealed record StoredRematchJob(string Status, string SeenAt, string Job);

/// <summary>
/// Rematch jobs as the API shows them, in the table <c>rematch_jobs</c> (<c>central.db</c>, or PostgreSQL when it is
/// configured), so a job can be followed from any instance and after a restart. The instance running a job rewrites
/// its row as it goes (<see cref="RematchJobHeartbeat"/>); a row left queued or running that nobody rewrites belongs
/// to an instance that stopped. The SQL is plain and portable (text columns, ISO 8601 UTC times).
/// </summary>
public sealed class RematchJobStore
{
    /// <summary>The table, created by each database's versioned migrations.</summary>
    public const string Schema =
        """
        CREATE TABLE rematch_jobs (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            job TEXT NOT NULL
        );
        CREATE INDEX rematch_jobs_queued ON rematch_jobs (queued_at);
        """;

    private const string Upsert =
        """
        INSERT INTO rematch_jobs (id, status, queued_at, seen_at, job) VALUES (@Id, @Status, @QueuedAt, @SeenAt, @Job)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at, job = excluded.job
        """;

    private const string Select = "SELECT status AS Status, seen_at AS SeenAt, job AS Job FROM rematch_jobs WHERE id = @id";

    private const string Newest = "SELECT status AS Status, seen_at AS SeenAt, job AS Job FROM rematch_jobs ORDER BY queued_at DESC, id LIMIT @limit";

    private const string Prune = "DELETE FROM rematch_jobs WHERE queued_at < @before";

    private readonly Func<DbConnection> _connect;

    private RematchJobStore(Func<DbConnection> connect)
    {
        _connect = connect;
    }

    public static RematchJobStore Embedded(CentralDatabase database) => new(database.Connect);

    public static RematchJobStore Postgres(NpgsqlDataSource dataSource) => new(dataSource.OpenConnection);

    public void Save(string id, string status, DateTimeOffset queued, DateTimeOffset seen, string job)
    {
        using var connection = _connect();
        connection.Execute(Upsert, new { Id = id, Status = status, QueuedAt = IsoText(queued), SeenAt = IsoText(seen), Job = job });
    }

    public StoredRematchJob? Find(string id)
    {
        using var connection = _connect();
        return connection.QuerySingleOrDefault<StoredRematchJob>(Select, new { id });
    }

    /// <summary>The jobs queued last, newest first.</summary>
    public IReadOnlyList<StoredRematchJob> Latest(int limit)
    {
        using var connection = _connect();
        return [.. connection.Query<StoredRematchJob>(Newest, new { limit })];
    }

    /// <summary>Forgets the jobs queued before <paramref name="before"/>; returns how many.</summary>
    public int Forget(DateTimeOffset before)
    {
        using var connection = _connect();
        return connection.Execute(Prune, new { before = IsoText(before) });
    }

    // One fixed form, so text order is time order.
    public static string IsoText(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
