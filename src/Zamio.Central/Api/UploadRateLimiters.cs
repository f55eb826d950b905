using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Zamio.Central.Caching;

namespace Zamio.Central.Api;

/// <summary>
/// Per-station limit on clip uploads: <see cref="CentralApiOptions.UploadBurst"/> at once, then
/// <see cref="CentralApiOptions.UploadsPerMinute"/>.
/// </summary>
public interface IUploadRateLimiter
{
    /// <summary>Takes one permit; on refusal says how long to wait. Asynchronous so a shared limit never blocks a request thread on Redis.</summary>
    ValueTask<(bool Granted, TimeSpan RetryAfter)> AcquireAsync(string station);
}

/// <summary>In-process token buckets (System.Threading.RateLimiting, one partition per station id).</summary>
public sealed class LocalUploadRateLimiter : IUploadRateLimiter, IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public LocalUploadRateLimiter(IOptions<CentralApiOptions> options)
    {
        var o = options.Value;
        var period = TimeSpan.FromMinutes(1) / o.UploadsPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(station => RateLimitPartition.GetTokenBucketLimiter(
            station,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = o.UploadBurst,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = period < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public ValueTask<(bool Granted, TimeSpan RetryAfter)> AcquireAsync(string station) => new(Acquire(station));

    public (bool Granted, TimeSpan RetryAfter) Acquire(string station)
    {
        using var lease = _limiter.AttemptAcquire(station);
        return lease.IsAcquired
            ? (true, TimeSpan.Zero)
            : (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>
/// The same limit shared by every instance: a generic cell rate algorithm in one Lua script per upload, on Redis's
/// own clock so instances need not agree on time. When Redis is unreachable the local buckets decide.
/// </summary>
public sealed partial class RedisUploadRateLimiter(
    RedisConnection redis,
    LocalUploadRateLimiter local,
    IOptions<CentralApiOptions> options,
    ILogger<RedisUploadRateLimiter> logger) : IUploadRateLimiter
{
    // KEYS: the station's theoretical arrival time (ms; Lua numbers print exactly to 14 digits). ARGV: emission
    // interval ms, burst tolerance ms. Returns 0 when allowed, else the milliseconds to wait.
    private const string Script =
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local interval = tonumber(ARGV[1])
        local tolerance = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        if tat - now > tolerance then return tat - now - tolerance end
        redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', tat + interval - now + 1000)
        return 0
        """;

    private int _failingLogged;

    public async ValueTask<(bool Granted, TimeSpan RetryAfter)> AcquireAsync(string station)
    {
        if (redis.IsConnected)
        {
            try
            {
                var o = options.Value;
                var interval = Math.Max(1, 60_000L / o.UploadsPerMinute);
                var wait = (long)await redis.Database.ScriptEvaluateAsync(
                    Script,
                    [redis.Key($"upload-rl:{station}")],
                    [interval.ToString(CultureInfo.InvariantCulture), (interval * (o.UploadBurst - 1)).ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
                Interlocked.Exchange(ref _failingLogged, 0);
                return (wait == 0, TimeSpan.FromMilliseconds(wait));
            }
            catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
            {
                if (Interlocked.Exchange(ref _failingLogged, 1) == 0)
                {
                    LogFallback(logger, ex);
                }
            }
        }

        return local.Acquire(station);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis upload rate limiting failed; using the in-process limiter")]
    private static partial void LogFallback(ILogger logger, Exception exception);
}
