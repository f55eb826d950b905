using System.Runtime;
using StackExchange.Redis;
using Zamio.Central.Caching;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Catalog;

/// <summary>Full loads: snapshot, then cached peaks, then the store; a damaged source is logged and passed over.</summary>
public sealed partial class CatalogIndex
{
    /// <summary>Loads the whole catalogue (snapshot first, then the cached peaks, then the store).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _rebuild.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = time.GetTimestamp();
            var version = await CacheVersionAsync().ConfigureAwait(false);
            _unversioned = false;
            string from;
            // Only a first load adopts a snapshot: its track positions need not match the index that play trackers
            // in flight refer to, which a rebuild keeps stable.
            if (version is not null && !IsLoaded && await TryFromSnapshotAsync(version.Value, cancellationToken).ConfigureAwait(false) is { } snapshot)
            {
                Publish(snapshot.Index, snapshot.Order, snapshot.Tracks, version.Value);
                from = "snapshot";
            }
            else
            {
                var tracks = version is null ? null : await TryFromCacheAsync(cancellationToken).ConfigureAwait(false);
                from = tracks is null ? "store" : "redis";
                tracks ??= await FromStoreAsync(version is not null, cancellationToken).ConfigureAwait(false);
                Swap(tracks, version ?? 0);
            }

            _loadedVersion = version ?? 0;
            // Versions applied before this load are in it; remembering them would skip a Redis that counts again.
            _applied.Clear();
            _appliedOrder.Clear();
            LoadedFrom = from;
            LogLoaded(logger, TrackCount, Index.TotalSeconds / 3600, from, time.GetElapsedTime(started).TotalMilliseconds);
            if (from != "snapshot")
            {
                // A snapshot is decoded into the index's own arrays (RSS 1.2 GiB at 1,000 h): nothing to give back, and
                // a new instance's readiness waits for this.
                ReleaseLoadGarbage();
            }
        }
        finally
        {
            _rebuild.Release();
        }
    }

    // A build from peaks leaves its working arrays (larger than the index itself) on the large-object heap, and the GC
    // keeps what it frees committed: at 1,000 h that held RSS at 3.1 GB for a 1 GB index. One aggressive, compacting
    // collection after such a load gives it back (1.2 GB); loads are rare, so the pause is paid rarely.
    private void ReleaseLoadGarbage()
    {
        var before = GC.GetTotalMemory(forceFullCollection: false);
        var started = time.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        LogLoadGarbageReleased(logger, before >> 20, GC.GetTotalMemory(forceFullCollection: false) >> 20, time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The catalogue version in Redis, or null when there is no usable Redis.</summary>
    private async Task<long?> CacheVersionAsync()
    {
        if (cache is not { IsConnected: true })
        {
            return null;
        }

        try
        {
            return await cache.VersionAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            LogCacheUnavailable(logger, ex);
            return null;
        }
    }

    private sealed record Adopted(FingerprintIndex Index, List<string?> Order, Dictionary<string, TrackPeaks> Tracks);

    private async Task<Adopted?> TryFromSnapshotAsync(long version, CancellationToken cancellationToken)
    {
        if (snapshots is not { Enabled: true })
        {
            return null;
        }

        try
        {
            if (await snapshots.TryLoadAsync(version, cancellationToken).ConfigureAwait(false) is not { } index)
            {
                return null;
            }

            var order = new List<string?>(index.Tracks.Count);
            var tracks = new Dictionary<string, TrackPeaks>(index.Tracks.Count, StringComparer.Ordinal);
            foreach (var track in index.Tracks)
            {
                var placeholder = track.Id.StartsWith(RemovedPrefix, StringComparison.Ordinal);
                if (!placeholder && !tracks.TryAdd(track.Id, track.Peaks))
                {
                    throw new InvalidDataException($"index snapshot lists track {track.Id} twice");
                }

                order.Add(placeholder ? null : track.Id);
            }

            return new Adopted(index, order, tracks);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex) || ex is InvalidDataException)
        {
            LogSnapshotUnusable(logger, ex);
            return null;
        }
    }

    /// <summary>The catalogue from the cached peaks (damaged entries reloaded from the store), or null.</summary>
    private async Task<Dictionary<string, TrackPeaks>?> TryFromCacheAsync(CancellationToken cancellationToken)
    {
        CachedCatalog? cached;
        try
        {
            cached = await cache!.TryLoadAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            LogCacheUnavailable(logger, ex);
            return null;
        }

        if (cached is null)
        {
            return null;
        }

        var tracks = new Dictionary<string, TrackPeaks>(cached.Peaks.Count, StringComparer.Ordinal);
        var damaged = new List<string>(cached.Unreadable);
        damaged.ForEach(id => LogDamagedTrack(logger, id, "redis"));
        foreach (var peaks in cached.Peaks)
        {
            if (Decode(peaks, "redis") is { } decoded)
            {
                tracks[peaks.Id] = decoded;
            }
            else
            {
                damaged.Add(peaks.Id);
            }
        }

        if (damaged.Count > 0)
        {
            AddDecoded(tracks, await LoadCurrentFromStoreAsync(damaged, cancellationToken).ConfigureAwait(false), "store");
        }

        return tracks;
    }

    private async Task<Dictionary<string, TrackPeaks>> FromStoreAsync(bool fillCache, CancellationToken cancellationToken)
    {
        var current = await LoadCurrentFromStoreAsync(null, cancellationToken).ConfigureAwait(false);
        var tracks = new Dictionary<string, TrackPeaks>(current.Count, StringComparer.Ordinal);
        AddDecoded(tracks, current, "store");
        if (fillCache)
        {
            try
            {
                await cache!.FillAsync([.. current.Where(p => tracks.ContainsKey(p.Id))]).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
            {
                LogCacheUnavailable(logger, ex);
            }
        }

        return tracks;
    }

    /// <summary>The store's tracks of the current algorithm (all when <paramref name="ids"/> is null).</summary>
    private async Task<List<StoredPeaks>> LoadCurrentFromStoreAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var all = await store.LoadPeaksAsync(ids, cancellationToken).ConfigureAwait(false);
        var current = all.Where(p => p.AlgorithmVersion == FingerprintSettings.AlgorithmVersion).ToList();
        if (all.Count > current.Count)
        {
            LogStale(logger, all.Count - current.Count, FingerprintSettings.AlgorithmVersion);
        }

        return current;
    }

    private void AddDecoded(Dictionary<string, TrackPeaks> tracks, IEnumerable<StoredPeaks> peaks, string source)
    {
        foreach (var p in peaks)
        {
            if (Decode(p, source) is { } decoded)
            {
                tracks[p.Id] = decoded;
            }
        }
    }

    /// <summary>The track's peaks, or null (logged) when they are damaged: one bad track must not stop the index.</summary>
    private TrackPeaks? Decode(StoredPeaks peaks, string source)
    {
        try
        {
            return peaks.ToTrackPeaks();
        }
        catch (InvalidDataException)
        {
            LogDamagedTrack(logger, peaks.Id, source);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index snapshot in Redis is unusable; building the index from the cached peaks or the store")]
    private static partial void LogSnapshotUnusable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Peaks of track {Track} in {Source} are damaged and were skipped (a damaged cache entry is read from the store instead; a damaged store entry needs the track re-added)")]
    private static partial void LogDamagedTrack(ILogger logger, string track, string source);
}
