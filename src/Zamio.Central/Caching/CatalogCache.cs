using System.Buffers.Binary;
using StackExchange.Redis;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Caching;

/// <summary>
/// The catalogue's packed peaks in Redis, so a new instance builds its index without reading PostgreSQL: hash
/// <c>{prefix}:catalog:v{algorithm}</c>, field = track id, value = frame count (int32 LE) then the packed peaks
/// (uint32 LE each). <c>{prefix}:catalog:v{algorithm}:complete</c> marks a hash that holds the whole catalogue.
/// </summary>
public sealed class CatalogCache(RedisConnection redis)
{
    private const int ScanPageSize = 256;

    public bool IsConnected => redis.IsConnected;

    private RedisKey HashKey => redis.Key($"catalog:v{FingerprintSettings.AlgorithmVersion}");

    private RedisKey CompleteKey => redis.Key($"catalog:v{FingerprintSettings.AlgorithmVersion}:complete");

    /// <summary>The current catalogue version (0 when never changed).</summary>
    public async Task<long> VersionAsync() =>
        (long?)await redis.Database.StringGetAsync(RedisCatalogChangeFeed.VersionKey(redis)).ConfigureAwait(false) ?? 0;

    /// <summary>
    /// Raises the catalogue version in Redis to <paramref name="version"/> when it holds less (it restarted empty, or
    /// with an old snapshot of its data); true when it did. Never lowers it: an instance behind must not pull the
    /// others back.
    /// </summary>
    public async Task<bool> RaiseVersionAsync(long version) =>
        (long)await redis.Database.ScriptEvaluateAsync(RaiseScript, [RedisCatalogChangeFeed.VersionKey(redis)], [version]).ConfigureAwait(false) == 1;

    private const string RaiseScript = """
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
        return 0
        """;

    /// <summary>
    /// Every track of the current algorithm, or null when the cache was never completely filled. Entries too damaged
    /// to decode are named in <see cref="CachedCatalog.Unreadable"/> rather than dropped silently.
    /// </summary>
    public async Task<CachedCatalog?> TryLoadAllAsync(CancellationToken cancellationToken)
    {
        var db = redis.Database;
        if (!await db.KeyExistsAsync(CompleteKey).ConfigureAwait(false))
        {
            return null;
        }

        var result = new List<StoredPeaks>();
        var unreadable = new List<string>();
        await foreach (var entry in db.HashScanAsync(HashKey, pageSize: ScanPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (Decode(entry.Name!, entry.Value) is { } peaks)
            {
                result.Add(peaks);
            }
            else
            {
                unreadable.Add(entry.Name!);
            }
        }

        // A scan stopped by cancellation ends quietly; a partial catalogue must not pass for the whole one.
        cancellationToken.ThrowIfCancellationRequested();
        return new CachedCatalog(result, unreadable);
    }

    public async Task<StoredPeaks?> TryGetAsync(string trackId)
    {
        var value = await redis.Database.HashGetAsync(HashKey, trackId).ConfigureAwait(false);
        return value.IsNull ? null : Decode(trackId, value);
    }

    public Task SetAsync(StoredPeaks peaks) => redis.Database.HashSetAsync(HashKey, peaks.Id, Encode(peaks));

    public Task RemoveAsync(string trackId) => redis.Database.HashDeleteAsync(HashKey, trackId);

    /// <summary>Replaces the cache with the whole catalogue (tracks of the current algorithm) and marks it complete.</summary>
    public async Task FillAsync(IReadOnlyList<StoredPeaks> tracks)
    {
        var db = redis.Database;
        var staging = redis.Key($"catalog:v{FingerprintSettings.AlgorithmVersion}:staging:{Guid.NewGuid():N}");
        const int chunk = 64;
        for (var i = 0; i < tracks.Count; i += chunk)
        {
            var entries = tracks.Skip(i).Take(chunk).Select(t => new HashEntry(t.Id, Encode(t))).ToArray();
            await db.HashSetAsync(staging, entries).ConfigureAwait(false);
        }

        var tx = db.CreateTransaction();
        _ = tracks.Count > 0 ? tx.KeyRenameAsync(staging, HashKey) : tx.KeyDeleteAsync(HashKey);
        _ = tx.StringSetAsync(CompleteKey, "1");
        await tx.ExecuteAsync().ConfigureAwait(false);
    }

    public static byte[] Encode(StoredPeaks peaks)
    {
        var bytes = new byte[4 + peaks.Packed.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, peaks.FrameCount);
        peaks.Packed.CopyTo(bytes.AsSpan(4));
        return bytes;
    }

    public static StoredPeaks? Decode(string trackId, byte[]? value)
    {
        if (value is null || value.Length < 4 || (value.Length - 4) % 4 != 0)
        {
            return null;
        }

        return new StoredPeaks(trackId, BinaryPrimitives.ReadInt32LittleEndian(value), FingerprintSettings.AlgorithmVersion, value[4..]);
    }
}

/// <summary>The cached catalogue: decodable entries, and the ids of entries that were not.</summary>
public sealed record CachedCatalog(IReadOnlyList<StoredPeaks> Peaks, IReadOnlyList<string> Unreadable);
