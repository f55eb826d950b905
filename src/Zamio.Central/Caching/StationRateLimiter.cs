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

internal static class RateWindows
{
    public static (long Minute, long PeakWindow) Current(TimeProvider time, RateLimitOptions options)
    {
        var seconds = time.GetUtcNow().ToUnixTimeSeconds();
        return (seconds / 60, seconds / options.PeakWindowSeconds);
    }

    public static long PeakLimit(RateLimitOptions options) => (long)options.PeaksPerSecond * options.PeakWindowSeconds;
}
