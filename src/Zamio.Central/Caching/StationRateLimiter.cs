using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Zamio.Central.Caching;

public enum RateLimitVerdict
{
    Allowed,
    PacketsPerMinute,
    PeaksPerSecond,
    SupportPeaksPerSecond,
}

/// <summary>Per-station packet, peak and support peak limits; one call per packet, counted whether or not it is allowed.</summary>
public interface IStationRateLimiter
{
    /// <summary>
    /// Asynchronous because a shared limit may wait on Redis: an ingest worker that blocked for it would hold a pool
    /// thread the reply itself may need. Decided here, it completes at once without allocating.
    /// </summary>
    ValueTask<RateLimitVerdict> CheckAsync(string station, int peaks, int supportPeaks);

    /// <summary>True when limits are shared across instances (Redis reachable).</summary>
    bool IsShared { get; }
}

/// <summary>
/// Fixed windows kept in this process: packets per minute, and peaks and support peaks over
/// <see cref="RateLimitOptions.PeakWindowSeconds"/>.
/// The fallback when Redis is absent or down (each instance then enforces the limits on its own share).
/// </summary>
public sealed class LocalRateLimiter(IOptions<RateLimitOptions> options, TimeProvider time) : IStationRateLimiter
{
    private readonly ConcurrentDictionary<string, Windows> _stations = new(StringComparer.Ordinal);

    public bool IsShared => false;

    public ValueTask<RateLimitVerdict> CheckAsync(string station, int peaks, int supportPeaks) => new(Check(station, peaks, supportPeaks));

    public RateLimitVerdict Check(string station, int peaks, int supportPeaks)
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
                w.Support = 0;
            }

            w.Packets++;
            if (RateWindows.Over(w.Packets, o.PacketsPerMinute))
            {
                return RateLimitVerdict.PacketsPerMinute;
            }

            // A refused packet's peaks are never matched, so it counts toward neither peak limit (packets count regardless).
            if (RateWindows.Over(w.Peaks + peaks, RateWindows.PeakLimit(o)))
            {
                return RateLimitVerdict.PeaksPerSecond;
            }

            if (RateWindows.Over(w.Support + supportPeaks, RateWindows.SupportLimit(o)))
            {
                return RateLimitVerdict.SupportPeaksPerSecond;
            }

            w.Peaks += peaks;
            w.Support += supportPeaks;
            return RateLimitVerdict.Allowed;
        }
    }

    private sealed class Windows
    {
        public long Minute = -1;
        public long PeakWindow = -1;
        public long Packets;
        public long Peaks;
        public long Support;
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

    public static long SupportLimit(RateLimitOptions options) => (long)options.SupportPeaksPerSecond * options.PeakWindowSeconds;

    /// <summary>True when <paramref name="used"/> passes <paramref name="limit"/>; a limit of 0 is off.</summary>
    public static bool Over(long used, long limit) => limit > 0 && used > limit;
}
