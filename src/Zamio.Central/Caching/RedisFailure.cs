using StackExchange.Redis;

namespace Zamio.Central.Caching;

/// <summary>What a Redis call throws when Redis cannot answer; each caller then falls back to its in-process state.</summary>
public static class RedisFailure
{
    /// <summary>
    /// Besides errors and timeouts, a command queued on a connection that failed can end in
    /// <see cref="ObjectDisposedException"/> ("Connection is being finalized") when the collector reclaims that
    /// connection, and any command does once the multiplexer is disposed at shutdown.
    /// </summary>
    public static bool IsUnavailable(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException;
}
