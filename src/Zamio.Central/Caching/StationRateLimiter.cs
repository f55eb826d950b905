using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Zamio.Central.Caching;

public enum RateLimitVerdict
{
    Allowed,
    PacketsPerMinute,
    PeaksPerSecond,
}

/// <summary>Per-station packet and peak limits; one call per packet, counted whether or not it is allowed.</summary>
public interface IStationRateLimiter
{
    RateLimitVerdict Check(string station, int peaks);

    /// <summary>True when limits are shared across instances (Redis reachable).</summary>
    bool IsShared { get; }
}

/// <summary>
/// Fixed windows kept in this process: packets per minute, and peaks over <see cref="RateLimitOptions.PeakWindowSeconds"/>.
/// The fallback when Redis is absent or down (each instance then enforces the limits on its own share).
/// </summary>
public sealed class LocalRateLimiter(IOptions<RateLimitOptions> options, TimeProvider time) : IStationRateLimiter
{
    private readonly ConcurrentDictionary<string, Windows> _stations = new(StringComparer.Ordinal);

    public bool IsShared => false;

    public RateLimitVerdict Check(string station, int peaks)
    {
        var o = options.Value;
        var (minute, peakWindow) = RateWindows.Current(time, o);
        var w = _stations.GetOrAdd(station, static _ => new Windows());
        lock (w)
        {
            if (w.Minute != minute)
            {
                w.Minute = minute;
                w.Packets = 0;
            }

            if (w.PeakWindow != peakWindow)
            {
                w.PeakWindow = peakWindow;
                w.Peaks = 0;
            }

            w.Packets++;
            if (o.PacketsPerMinute > 0 && w.Packets > o.PacketsPerMinute)
            {
                return RateLimitVerdict.PacketsPerMinute;
            }

            var limit = RateWindows.PeakLimit(o);
            if (limit > 0 && w.Peaks + peaks > limit)
            {
                return RateLimitVerdict.PeaksPerSecond;
            }

            w.Peaks += peaks;
            return RateLimitVerdict.Allowed;
        }
    }

    private sealed class Windows
    {
        public long Minute = -1;
        public long PeakWindow = -1;
        public long Packets;
        public long Peaks;
    }
}

/// <summary>
/// Limits shared by every instance: one Lua script per packet increments the station's minute and peak windows in
/// Redis atomically. Window numbers come from this instance's clock, so instances agree as long as clocks roughly
/// do. When Redis is unreachable the <see cref="LocalRateLimiter"/> decides, and the fallback is counted.
/// </summary>
public sealed partial class RedisRateLimiter(
    RedisConnection redis,
    LocalRateLimiter local,
    IOptions<RateLimitOptions> options,
    TimeProvider time,
    ILogger<RedisRateLimiter> logger) : IStationRateLimiter
{
    // KEYS: packets window, peaks window. ARGV: packet limit, packet ttl, peaks, peak limit, peak ttl.
    private const string Script =
        """
        local p = redis.call('INCR', KEYS[1])
        if p == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
        if tonumber(ARGV[1]) > 0 and p > tonumber(ARGV[1]) then return 1 end
        local n = tonumber(ARGV[3])
        local k = redis.call('INCRBY', KEYS[2], n)
        if k == n then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
        if tonumber(ARGV[4]) > 0 and k > tonumber(ARGV[4]) then
          redis.call('DECRBY', KEYS[2], n)
          return 2
        end
        return 0
        """;

    private long _fallbacks;
    private int _failingLogged;

    public bool IsShared => redis.IsConnected;

    /// <summary>Packets decided by the local limiter because Redis was unreachable.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    public RateLimitVerdict Check(string station, int peaks)
    {
        if (redis.IsConnected)
        {
            try
            {
                var o = options.Value;
                var (minute, peakWindow) = RateWindows.Current(time, o);
                var result = (int)redis.Database.ScriptEvaluate(
                    Script,
                    [redis.Key($"rl:{station}:m:{minute}"), redis.Key($"rl:{station}:p:{peakWindow}")],
                    [o.PacketsPerMinute, 120, peaks, RateWindows.PeakLimit(o), (o.PeakWindowSeconds * 2) + 1]);
                Interlocked.Exchange(ref _failingLogged, 0);
                return result switch
                {
                    1 => RateLimitVerdict.PacketsPerMinute,
                    2 => RateLimitVerdict.PeaksPerSecond,
                    _ => RateLimitVerdict.Allowed,
                };
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (Interlocked.Exchange(ref _failingLogged, 1) == 0)
                {
                    LogFallback(logger, ex);
                }
            }
        }

        Interlocked.Increment(ref _fallbacks);
        return local.Check(station, peaks);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis rate limiting failed; using the in-process limiter")]
    private static partial void LogFallback(ILogger logger, Exception exception);
}

internal static class RateWindows
{
    public static (long Minute, long PeakWindow) Current(TimeProvider time, RateLimitOptions options)
    {
        var seconds = time.GetUtcNow().ToUnixTimeSeconds();
        return (seconds / 60, seconds / options.PeakWindowSeconds);
    }

    public static long PeakLimit(RateLimitOptions options) => (long)options.PeaksPerSecond * options.PeakWindowSeconds;
}
