using Dapper;
using Npgsql;

namespace Zamio.Central.Storage;

/// <summary>
/// Versioned PostgreSQL schema. Each migration runs in its own transaction that first takes a transaction-scoped
/// advisory lock, so instances starting together apply every migration exactly once and in order.
/// </summary>
public static partial class PostgresMigrations
{
    /// <summary>Arbitrary constant shared by every instance ("zamio" in ASCII).</summary>
    public const long LockKey = 0x7A616D696F;

    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE stations (
            id text PRIMARY KEY,
            key_salt bytea NOT NULL,
            key_hash bytea NOT NULL,
            created_at timestamptz NOT NULL
        );
        CREATE TABLE plays (
            station text NOT NULL,
            play_key text NOT NULL,
            session text NOT NULL,
            play_id bigint NOT NULL,
            track text NOT NULL,
            start_utc timestamptz NOT NULL,
            end_utc timestamptz NOT NULL,
            confidence double precision NOT NULL,
            speed double precision NOT NULL,
            status text NOT NULL CHECK (status IN ('ongoing', 'closed')),
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (station, play_key)
        );
        CREATE INDEX plays_station_start ON plays (station, start_utc);
        CREATE INDEX plays_start ON plays (start_utc);
        CREATE TABLE tracks (
            id text PRIMARY KEY,
            title text,
            artist text,
            isrc text,
            duration double precision NOT NULL,
            frame_count integer NOT NULL,
            algorithm integer NOT NULL,
            peaks bytea NOT NULL,
            added_at timestamptz NOT NULL
        );
        """,
        """
        ALTER TABLE plays DROP CONSTRAINT plays_status_check;
        ALTER TABLE plays ADD CONSTRAINT plays_status_check CHECK (status IN ('ongoing', 'closed', 'retracted'));
        """,
        """
        CREATE INDEX plays_ongoing ON plays (station) WHERE status = 'ongoing';
        """,
        """
        -- "What aired since": a from-only query reads the plays ending after it, not the whole history.
        CREATE INDEX plays_end ON plays (end_utc);
        """,
        Archive.RematchJobStore.Schema,
    ];

    public static int LatestVersion => Migrations.Length;

    /// <summary>Applies the pending migrations; returns how many this call applied.</summary>
    public static async Task<int> ApplyAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken cancellationToken)
    {
        var applied = 0;
        for (var version = 1; version <= Migrations.Length; version++)
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (tx.ConfigureAwait(false))
                {
                    await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@LockKey)", new { LockKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        CREATE TABLE IF NOT EXISTS schema_version (
                            version integer PRIMARY KEY,
                            applied_at timestamptz NOT NULL DEFAULT now()
                        )
                        """,
                        transaction: tx,
                        cancellationToken: cancellationToken)).ConfigureAwait(false);
                    var current = await connection.ExecuteScalarAsync<int?>(new CommandDefinition(
                        "SELECT max(version) FROM schema_version", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;
                    if (current >= version)
                    {
                        continue;
                    }

                    await connection.ExecuteAsync(new CommandDefinition(Migrations[version - 1], transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO schema_version (version) VALUES (@version)", new { version }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                    await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                    applied++;
                    LogApplied(logger, version);
                }
            }
        }

        return applied;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL migration {Version} applied")]
    private static partial void LogApplied(ILogger logger, int version);
}
