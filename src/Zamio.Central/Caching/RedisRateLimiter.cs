using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Zamio.Central.Caching;

/// <summary>
/// Limits shared by every instance, counted in Redis per station and window (window numbers come from this
/// instance's clock, so instances agree as long as clocks roughly do). A round trip per packet would cap ingest at
/// the Redis latency, so a station well below its limits (under half of each and far from it, counting what is in
/// flight) is allowed here and counted in Redis without waiting; each reply brings back the shared totals. Near a limit every
/// packet is decided by one atomic script in Redis. When Redis is unreachable the <see cref="LocalRateLimiter"/>
/// decides, and the fallback is counted. A Redis that is connected but does not answer (paused, swapping, a network
/// stall) costs one timeout, then the local limiter decides for <see cref="RetryAfter"/> before Redis is asked again:
/// otherwise every packet near its limit would hold an ingest worker for the whole timeout.
/// </summary>
public sealed partial class RedisRateLimiter(
    RedisConnection redis,
    LocalRateLimiter local,
    IOptions<RateLimitOptions> options,
    TimeProvider time,
    ILogger<RedisRateLimiter> logger) : IStationRateLimiter
{
    // KEYS: packets window, peaks window, support peaks window. ARGV: packet limit (0: count only), packet ttl, peaks,
    // peak limit, peak ttl (also the support window's), support peaks, support limit. A refusal over a peak limit takes
    // back the peaks this call added, not the packet. Returns { verdict, packets, peaks, support peaks in the windows }.
    private const string Script =
        """
        local function total(key) return tonumber(redis.call('GET', key) or '0') end
        local p = redis.call('INCR', KEYS[1])
        if p == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
        local limit = tonumber(ARGV[1])
        if limit > 0 and p > limit then return { 1, p, total(KEYS[2]), total(KEYS[3]) } end
        local n = tonumber(ARGV[3])
        local k = redis.call('INCRBY', KEYS[2], n)
        if k == n then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
        if tonumber(ARGV[4]) > 0 and k > tonumber(ARGV[4]) then
          redis.call('DECRBY', KEYS[2], n)
          return { 2, p, k - n, total(KEYS[3]) }
        end
        local m = tonumber(ARGV[6])
        local s = redis.call('INCRBY', KEYS[3], m)
        if s == m then redis.call('EXPIRE', KEYS[3], ARGV[5]) end
        if tonumber(ARGV[7]) > 0 and s > tonumber(ARGV[7]) then
          redis.call('DECRBY', KEYS[2], n)
          redis.call('DECRBY', KEYS[3], m)
          return { 3, p, k - n, s - m }
        end
        return { 0, p, k, s }
        """;

    /// <summary>How long the local limiter decides alone after Redis failed to answer.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Shared> _stations = new(StringComparer.Ordinal);
    private long _fallbacks;
    private int _failingLogged;
    private long _retryAtTicks = long.MinValue;

    public bool IsShared => redis.IsConnected && !Resting;

    private bool Resting => time.GetUtcNow().UtcTicks < Interlocked.Read(ref _retryAtTicks);

    /// <summary>Packets decided by the local limiter because Redis was unreachable.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    public async ValueTask<RateLimitVerdict> CheckAsync(string station, int peaks, int supportPeaks)
    {
        if (IsShared)
        {
            try
            {
                return await DecideAsync(station, peaks, supportPeaks).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
            {
                Rest();
                LogFailure(ex);
            }
        }

        Interlocked.Increment(ref _fallbacks);
        return local.Check(station, peaks, supportPeaks);
    }

    private async ValueTask<RateLimitVerdict> DecideAsync(string station, int peaks, int supportPeaks)
    {
        var o = options.Value;
        var (minute, peakWindow) = RateWindows.Current(time, o);
        var peakLimit = RateWindows.PeakLimit(o);
        var supportLimit = RateWindows.SupportLimit(o);
        var state = _stations.GetOrAdd(station, static _ => new Shared());
        bool farBelow;
        lock (state)
        {
            state.Roll(minute, peakWindow);
            farBelow = FarBelow(state.Packets + state.PendingPackets + 1, o.PacketsPerMinute, PacketHeadroom)
                && FarBelow(state.Peaks + state.PendingPeaks + peaks, peakLimit, PeakHeadroom)
                && FarBelow(state.Support + state.PendingSupport + supportPeaks, supportLimit, SupportHeadroom);
            if (farBelow)
            {
                state.PendingPackets++;
                state.PendingPeaks += peaks;
                state.PendingSupport += supportPeaks;
            }
        }

        RedisKey[] keys =
        [
            redis.Key($"rl:{station}:m:{minute}"), redis.Key($"rl:{station}:p:{peakWindow}"), redis.Key($"rl:{station}:s:{peakWindow}"),
        ];
        var peakTtl = (o.PeakWindowSeconds * 2) + 1;
        if (farBelow)
        {
            // Counted, not decided: a limit of 0 in the script only counts.
            var counting = redis.Database.ScriptEvaluateAsync(Script, keys, [0, 120, peaks, 0, peakTtl, supportPeaks, 0]);
            _ = counting.ContinueWith(t => Counted(t, state, minute, peakWindow, peaks, supportPeaks), TaskScheduler.Default);
            return RateLimitVerdict.Allowed;
        }

        var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(
            Script, keys, [o.PacketsPerMinute, 120, peaks, peakLimit, peakTtl, supportPeaks, supportLimit]).ConfigureAwait(false))!;
        Interlocked.Exchange(ref _failingLogged, 0);
        lock (state)
        {
            state.Observe(minute, peakWindow, result);
        }

        return (int)result[0] switch
        {
            1 => RateLimitVerdict.PacketsPerMinute,
            2 => RateLimitVerdict.PeaksPerSecond,
            3 => RateLimitVerdict.SupportPeaksPerSecond,
            _ => RateLimitVerdict.Allowed,
        };
    }

    // Under half the limit and at least this far from it: what other instances can have in flight in one round trip
    // cannot reach the limit. Small limits are always decided in Redis. Each headroom is about 64 packets' worth, and
    // a packet carries several times more support peaks than landmark peaks.
    private const long PacketHeadroom = 64;
    private const long PeakHeadroom = 64 * 64;
    private const long SupportHeadroom = 64 * 64 * 8;

    private static bool FarBelow(long used, long limit, long headroom) =>
        limit <= 0 || (2 * used <= limit && limit - used >= headroom);

    private void Counted(Task<RedisResult> reply, Shared state, long minute, long peakWindow, int peaks, int supportPeaks)
    {
        lock (state)
        {
            if (state.Minute == minute)
            {
                state.PendingPackets--;
            }

            if (state.PeakWindow == peakWindow)
            {
                state.PendingPeaks -= peaks;
                state.PendingSupport -= supportPeaks;
            }

            if (reply.IsCompletedSuccessfully)
            {
                state.Observe(minute, peakWindow, (RedisResult[])reply.Result!);
            }
        }

        if (reply.Exception?.InnerException is { } ex)
        {
            Rest();
            LogFailure(ex);
        }
    }

    private void Rest() => Interlocked.Exchange(ref _retryAtTicks, (time.GetUtcNow() + RetryAfter).UtcTicks);

    private void LogFailure(Exception ex)
    {
        if (Interlocked.Exchange(ref _failingLogged, 1) == 0)
        {
            LogFallback(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis rate limiting failed; using the in-process limiter")]
    private static partial void LogFallback(ILogger logger, Exception exception);

    /// <summary>What this instance knows of one station's shared windows, and what it has counted but not heard back.</summary>
    private sealed class Shared
    {
        public long Minute = -1;
        public long PeakWindow = -1;
        public long Packets;
        public long Peaks;
        public long PendingPackets;
        public long PendingPeaks;
        public long Support;
        public long PendingSupport;

        public void Roll(long minute, long peakWindow)
        {
            if (Minute != minute)
            {
                (Minute, Packets, PendingPackets) = (minute, 0, 0);
            }

            if (PeakWindow != peakWindow)
            {
                (PeakWindow, Peaks, PendingPeaks, Support, PendingSupport) = (peakWindow, 0, 0, 0, 0);
            }
        }

        /// <summary>Takes the shared totals a reply of the script brings back (packets, peaks, support peaks).</summary>
        public void Observe(long minute, long peakWindow, RedisResult[] totals)
        {
            if (Minute == minute)
            {
                Packets = Math.Max(Packets, (long)totals[1]);
            }

            if (PeakWindow == peakWindow)
            {
                Peaks = Math.Max(Peaks, (long)totals[2]);
                Support = Math.Max(Support, (long)totals[3]);
            }
        }
    }
}
