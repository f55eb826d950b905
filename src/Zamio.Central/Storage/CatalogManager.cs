using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Storage;

/// <summary>
/// Catalogue changes (HTTP API, or the CLI against a shared deployment): write the store (the truth), then the Redis
/// index cache, then tell every instance, whose index is rebuilt within about a second. Without an index of its own
/// (the CLI) only the others are told.
/// </summary>
public sealed partial class CatalogManager(
    ICatalogStore store,
    ICatalogChangeFeed feed,
    IDescriptionChanges descriptions,
    ILogger<CatalogManager> logger,
    CatalogCache? cache = null,
    CatalogIndex? index = null)
{
    public async Task AddAsync(CatalogTrack track, TrackPeaks peaks, CancellationToken cancellationToken)
    {
        EnsureAnnounceable();
        await store.UpsertAsync(track, peaks, cancellationToken).ConfigureAwait(false);
        if (cache is not null && track.AlgorithmVersion == Shared.Fingerprinting.FingerprintSettings.AlgorithmVersion)
        {
            await CacheAsync(() => cache.SetAsync(StoredPeaks.From(track.Id, track.AlgorithmVersion, peaks)), track.Id).ConfigureAwait(false);
        }

        await PropagateAsync(CatalogChangeKind.Added, track.Id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RemoveAsync(string trackId, CancellationToken cancellationToken)
    {
        EnsureAnnounceable();
        var removed = await store.RemoveAsync(trackId, cancellationToken).ConfigureAwait(false);
        if (cache is not null)
        {
            await CacheAsync(() => cache.RemoveAsync(trackId), trackId).ConfigureAwait(false);
        }

        if (removed)
        {
            await PropagateAsync(CatalogChangeKind.Removed, trackId, cancellationToken).ConfigureAwait(false);
        }

        return removed;
    }

    /// <summary>
    /// New titles, artists and ISRCs for catalogued tracks (all or none; the ids not catalogued are returned), announced
    /// to every instance. The index is not touched: descriptions are read from the store by
    /// <see cref="TrackMetadataCache"/>.
    /// </summary>
    public async Task<IReadOnlyList<string>> DescribeAsync(IReadOnlyDictionary<string, TrackMetadata> tracks, CancellationToken cancellationToken)
    {
        var unknown = await store.DescribeAsync(tracks, cancellationToken).ConfigureAwait(false);
        if (unknown.Count == 0 && tracks.Count > 0)
        {
            await descriptions.PublishAsync([.. tracks.Keys], cancellationToken).ConfigureAwait(false);
        }

        return unknown;
    }

    /// <summary>
    /// A track's description changed by <paramref name="patch"/> applied to the stored one, announced to every instance
    /// when it changed. A change another writer makes meanwhile is not lost: the write is a compare-and-set, and on a
    /// conflict the track is read again and patched anew. Null when the track is not catalogued.
    /// </summary>
    public async Task<(CatalogTrack Track, bool Changed)?> PatchDescriptionAsync(string trackId, Func<TrackMetadata, TrackMetadata> patch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await store.FindAsync(trackId, cancellationToken).ConfigureAwait(false) is not { } track)
            {
                return null;
            }

            var meta = patch(track.Metadata);
            if (meta == track.Metadata)
            {
                return (track, false);
            }

            if (await store.ReplaceDescriptionAsync(trackId, track.Metadata, meta, cancellationToken).ConfigureAwait(false))
            {
                await descriptions.PublishAsync([trackId], cancellationToken).ConfigureAwait(false);
                return (track with { Title = meta.Title, Artist = meta.Artist, Isrc = meta.Isrc }, true);
            }

            if (attempt == MaxPatchAttempts)
            {
                throw new CatalogChangeRefusedException($"Track '{trackId}' kept changing under other writers ({MaxPatchAttempts} tries); nothing was changed. Retry.");
            }
        }
    }

    private const int MaxPatchAttempts = 10;

    /// <summary>
    /// For callers that wrote the store themselves: refreshes the cache entry from the store, tells the other
    /// instances, and returns once this instance's index has the change.
    /// </summary>
    public async Task CatalogChangedAsync(string trackId, bool removed, CancellationToken cancellationToken)
    {
        if (cache is not null)
        {
            if (removed)
            {
                await CacheAsync(() => cache.RemoveAsync(trackId), trackId).ConfigureAwait(false);
            }
            else if ((await store.LoadPeaksAsync([trackId], cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(p => p.AlgorithmVersion == Shared.Fingerprinting.FingerprintSettings.AlgorithmVersion) is { } peaks)
            {
                await CacheAsync(() => cache.SetAsync(peaks), trackId).ConfigureAwait(false);
            }
        }

        await PropagateAsync(removed ? CatalogChangeKind.Removed : CatalogChangeKind.Added, trackId, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<CatalogTrack>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    public Task<IReadOnlyList<CatalogTrack>> PageAsync(string? after, int limit, CancellationToken cancellationToken) => store.PageAsync(after, limit, cancellationToken);

    public Task<CatalogTrack?> FindAsync(string trackId, CancellationToken cancellationToken) => store.FindAsync(trackId, cancellationToken);

    private async Task PropagateAsync(CatalogChangeKind kind, string trackId, CancellationToken cancellationToken)
    {
        var change = await feed.PublishAsync(kind, trackId, index?.Version ?? 0, cancellationToken).ConfigureAwait(false);
        if (index is not null)
        {
            await index.ApplyAsync([change], cancellationToken).ConfigureAwait(false);
        }
    }

    // With Redis configured, a change it cannot announce would never reach the running instances, nor the index
    // snapshot new ones start from: refused before the store is touched, so the store and the indexes stay one.
    private void EnsureAnnounceable()
    {
        if (cache is { IsConnected: false })
        {
            throw new CatalogChangeRefusedException("Redis is unreachable, so the running instances would never hear of this change; nothing was changed. Retry once Redis is back.");
        }
    }

    private async Task CacheAsync(Func<Task> action, string trackId)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            // The store has the change; instances fall back to it when the cache misses.
            LogCacheWriteFailed(logger, ex, trackId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the Redis index cache for {Track}")]
    private static partial void LogCacheWriteFailed(ILogger logger, Exception exception, string track);
}

/// <summary>A catalogue change refused before anything was written (see <see cref="CatalogManager"/>).</summary>
public sealed class CatalogChangeRefusedException(string message) : IOException(message);
