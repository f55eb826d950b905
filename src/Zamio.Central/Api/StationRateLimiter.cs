using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Zamio.Central.Api;

/// <summary>
/// Per-station token buckets for clip uploads (System.Threading.RateLimiting, one partition per station id):
/// <see cref="CentralApiOptions.UploadBurst"/> at once, then <see cref="CentralApiOptions.UploadsPerMinute"/>.
/// In-process; with several instances each holds its own buckets.
/// </summary>
public sealed class StationRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public StationRateLimiter(IOptions<CentralApiOptions> options)
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

    /// <summary>Takes one permit; on refusal returns false and how long to wait.</summary>
    public bool TryAcquire(string station, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(station);
        retryAfter = TimeSpan.Zero;
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return false;
    }

    public void Dispose() => _limiter.Dispose();
}
