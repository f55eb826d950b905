using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Zamio.Central.Stations;

namespace Zamio.Central.Api;

/// <summary>Outcome of checking <c>Authorization: Token KEY</c> against a station.</summary>
public enum StationAuthResult
{
    /// <summary>The key is this station's.</summary>
    Ok,

    /// <summary>No header, not a <c>Token</c> header, or a key no station has: 401.</summary>
    Unauthenticated,

    /// <summary>A valid key of another station: 403.</summary>
    Forbidden,
}

/// <summary>
/// Station keys over HTTP (<c>Authorization: Token KEY</c>, as the ZamIO mobile app sends them). Keys are stored
/// salted per station, so "is this some other station's key" (403 rather than 401) is answered from a cache of
/// keys seen verified before and, failing that, by checking the key against every station. That scan is open to
/// anyone with a made-up key, so at most <see cref="ScansPerSecond"/> run (bursts of <see cref="ScanBurst"/>); past
/// that an unknown key is simply refused as unauthenticated.
/// </summary>
public sealed class StationTokenAuth(StationStore stations, TimeProvider time)
{
    public const double ScansPerSecond = 5;
    public const double ScanBurst = 20;

    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);
    private readonly Lock _bucketLock = new();
    private double _scanTokens = ScanBurst;
    private long _refilledAt = time.GetTimestamp();

    /// <summary>The key from <c>Authorization: Token KEY</c>, or null when absent or another scheme.</summary>
    public static string? TokenFrom(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Token", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrWhiteSpace(header.Parameter)
            || header.Parameter.Length > 256)
        {
            return null;
        }

        return header.Parameter.Trim();
    }

    public StationAuthResult Check(string? key, string station)
    {
        if (key is null)
        {
            return StationAuthResult.Unauthenticated;
        }

        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        if (stations.Verify(station, key))
        {
            _owners[fingerprint] = station;
            return StationAuthResult.Ok;
        }

        if (_owners.TryGetValue(fingerprint, out var owner) && owner != station && stations.Verify(owner, key))
        {
            return StationAuthResult.Forbidden;
        }

        // One read of every credential, not a query per station, and only as often as the bucket allows.
        if (TakeScan() && stations.FindOwner(key) is { } other && other != station)
        {
            _owners[fingerprint] = other;
            return StationAuthResult.Forbidden;
        }

        return StationAuthResult.Unauthenticated;
    }

    // One bucket on the TimeProvider, so tests control its time (System.Threading.RateLimiting's buckets, used for
    // uploads, replenish on a timer of their own).
    private bool TakeScan()
    {
        lock (_bucketLock)
        {
            var now = time.GetTimestamp();
            _scanTokens = Math.Min(ScanBurst, _scanTokens + time.GetElapsedTime(_refilledAt, now).TotalSeconds * ScansPerSecond);
            _refilledAt = now;
            if (_scanTokens < 1)
            {
                return false;
            }

            _scanTokens--;
            return true;
        }
    }
}
