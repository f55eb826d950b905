using Dapper;
using Npgsql;
using Zamio.Central.Caching;
using Zamio.Central.Plays;

namespace Zamio.Central.Storage;

/// <summary>
/// What <c>/health/ready</c> reports about storage. <c>Status</c> is "ready" when every configured dependency
/// answers, "degraded" when the service still works but with less (Redis down: in-process index and limiter;
/// PostgreSQL down: plays buffered in memory). Degraded is still ready (HTTP 200): matching goes on.
/// </summary>
public sealed record StorageHealthReport(
    string Status,
    string Database,
    string Redis,
    string RateLimits,
    int PlaysPending,
    long PlaysDropped);

public sealed class DependencyHealth(
    PlayStore plays,
    IStationRateLimiter limiter,
    NpgsqlDataSource? postgres = null,
    RedisConnection? redis = null)
{
    public async Task<StorageHealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        string database;
        if (postgres is null)
        {
            database = "embedded";
        }
        else
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                var connection = await postgres.OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: timeout.Token)).ConfigureAwait(false);
                }

                database = "ok";
            }
            catch (Exception ex) when (StorageErrors.IsTransient(ex) || ex is OperationCanceledException)
            {
                database = "unavailable";
            }
        }

        var state = plays.State;
        if (!state.Healthy && database == "ok")
        {
            database = "recovering";
        }

        var redisState = redis is null ? "disabled" : redis.IsConnected ? "ok" : "unavailable";
        var degraded = database is "unavailable" or "recovering" || redisState == "unavailable";
        return new StorageHealthReport(
            degraded ? "degraded" : "ready",
            database,
            redisState,
            limiter.IsShared ? "shared" : "local",
            state.Pending,
            state.Dropped);
    }
}
