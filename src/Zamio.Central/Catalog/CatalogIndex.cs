using Zamio.Central.Caching;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Central.Catalog;

/// <summary>
/// The fingerprint index held hot in process. Loaded at start from the Redis cache when it holds the whole
/// catalogue, otherwise from the catalogue store (which then fills the cache); rebuilt and swapped atomically on
/// every catalogue change, so matchers pick the new index up for their next window.
/// </summary>
public sealed partial class CatalogIndex(
    ICatalogStore store,
    TimeProvider time,
    ILogger<CatalogIndex> logger,
    CatalogCache? cache = null)
{
    private readonly ThreadLocal<Matcher?> _matchers = new();
    private readonly SemaphoreSlim _rebuild = new(1, 1);
    /// <summary>Placeholder ids of removed tracks' slots (never matched: they have no peaks).</summary>
    public const string RemovedPrefix = "\u0000removed-";

    private static readonly TrackPeaks EmptyPeaks = TrackPeaks.FromPacked([], 0);
    private Dictionary<string, TrackPeaks> _tracks = new(StringComparer.Ordinal);
    private List<string?> _order = [];
    private readonly HashSet<long> _applied = [];
    private readonly Queue<long> _appliedOrder = new();
    private FingerprintIndex? _index;
    private long _version;
    private long _generation;

    public bool IsLoaded => Volatile.Read(ref _index) is not null;

    public FingerprintIndex Index => Volatile.Read(ref _index) ?? throw new InvalidOperationException("The index is not loaded yet.");

    /// <summary>Catalogue tracks in the index (without placeholders of removed tracks).</summary>
    public int TrackCount => Volatile.Read(ref _tracks).Count;

    /// <summary>Whether the index currently holds the track.</summary>
    public bool Contains(string trackId) => Volatile.Read(ref _tracks).ContainsKey(trackId);

    /// <summary>The catalogue version (Redis counter) this index reflects; 0 without Redis.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Incremented on every swap.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Where the last full load came from: "redis", "store" or null before loading.</summary>
    public string? LoadedFrom { get; private set; }

    /// <summary>Raised after a new index was swapped in (on the rebuilding thread).</summary>
    public event Action<FingerprintIndex>? Swapped;

    /// <summary>Loads the whole catalogue (cache first, then the store).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _rebuild.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = time.GetTimestamp();
            long version = 0;
            IReadOnlyList<StoredPeaks>? peaks = null;
            Dictionary<string, TrackPeaks>? tracks = null;
            var from = "store";
            if (cache is { IsConnected: true })
            {
                try
                {
                    version = await cache.VersionAsync().ConfigureAwait(false);
                    peaks = await cache.TryLoadAllAsync(cancellationToken).ConfigureAwait(false);
                    tracks = peaks is null ? null : ToTracks(peaks);
                    from = "redis";
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or InvalidDataException)
                {
                    // A corrupt cache entry is a cache miss: the store is the truth and refills the cache below.
                    LogCacheUnavailable(logger, ex);
                    peaks = null;
                    tracks = null;
                }
            }

            if (peaks is null)
            {
                from = "store";
                var all = await store.LoadPeaksAsync(null, cancellationToken).ConfigureAwait(false);
                var current = all.Where(p => p.AlgorithmVersion == FingerprintSettings.AlgorithmVersion).ToList();
                if (all.Count > current.Count)
                {
                    LogStale(logger, all.Count - current.Count, FingerprintSettings.AlgorithmVersion);
                }

                peaks = current;
                if (cache is { IsConnected: true })
                {
                    try
                    {
                        await cache.FillAsync(current).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
                    {
                        LogCacheUnavailable(logger, ex);
                    }
                }
            }

            tracks ??= ToTracks(peaks);
            Swap(tracks, version);
            LoadedFrom = from;
            var index = Index;
            LogLoaded(logger, tracks.Count, index.TotalSeconds / 3600, from, time.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _rebuild.Release();
        }
    }

    private static Dictionary<string, TrackPeaks> ToTracks(IReadOnlyList<StoredPeaks> peaks)
    {
        var tracks = new Dictionary<string, TrackPeaks>(StringComparer.Ordinal);
        foreach (var p in peaks)
        {
            tracks[p.Id] = p.ToTrackPeaks();
        }

        return tracks;
    }

    /// <summary>Reloads the whole catalogue synchronously (callers without an async context).</summary>
    public void Load() => LoadAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Applies catalogue changes (idempotent) and swaps in the rebuilt index once.</summary>
    public async Task ApplyAsync(IReadOnlyCollection<CatalogChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return;
        }

        await _rebuild.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Changes this instance made itself come back over pub/sub; they are in the index already.
            changes = [.. changes.Where(c => c.Version == 0 || !_applied.Contains(c.Version))];
            if (changes.Count == 0)
            {
                return;
            }

            foreach (var change in changes.Where(c => c.Version > 0))
            {
                _applied.Add(change.Version);
                _appliedOrder.Enqueue(change.Version);
                if (_appliedOrder.Count > 4096)
                {
                    _applied.Remove(_appliedOrder.Dequeue());
                }
            }

            var started = time.GetTimestamp();
            var tracks = new Dictionary<string, TrackPeaks>(_tracks, StringComparer.Ordinal);
            var latest = new Dictionary<string, CatalogChange>(StringComparer.Ordinal);
            foreach (var change in changes)
            {
                latest[change.TrackId] = change;
            }

            var added = latest.Values.Where(c => c.Kind == CatalogChangeKind.Added).Select(c => c.TrackId).ToList();
            foreach (var change in latest.Values.Where(c => c.Kind == CatalogChangeKind.Removed))
            {
                tracks.Remove(change.TrackId);
            }

            foreach (var peaks in await FetchAsync(added, cancellationToken).ConfigureAwait(false))
            {
                tracks[peaks.Id] = peaks.ToTrackPeaks();
            }

            Swap(tracks, Math.Max(Version, changes.Max(c => c.Version)));
            LogRebuilt(logger, latest.Count, tracks.Count, time.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            _rebuild.Release();
        }
    }

    /// <summary>A matcher for the calling thread (matchers are not thread-safe).</summary>
    public Matcher MatcherForThisThread()
    {
        var index = Index;
        var matcher = _matchers.Value;
        if (matcher is null || !ReferenceEquals(matcher.Index, index))
        {
            matcher = new Matcher(index);
            _matchers.Value = matcher;
        }

        return matcher;
    }

    private async Task<IReadOnlyList<StoredPeaks>> FetchAsync(List<string> ids, CancellationToken cancellationToken)
    {
        var found = new List<StoredPeaks>();
        var missing = new List<string>();
        foreach (var id in ids)
        {
            StoredPeaks? peaks = null;
            if (cache is { IsConnected: true })
            {
                try
                {
                    peaks = await cache.TryGetAsync(id).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
                {
                    LogCacheUnavailable(logger, ex);
                }
            }

            if (peaks is null)
            {
                missing.Add(id);
            }
            else
            {
                found.Add(peaks);
            }
        }

        if (missing.Count > 0)
        {
            found.AddRange((await store.LoadPeaksAsync(missing, cancellationToken).ConfigureAwait(false))
                .Where(p => p.AlgorithmVersion == FingerprintSettings.AlgorithmVersion));
        }

        return found;
    }

    private void Swap(Dictionary<string, TrackPeaks> tracks, long version)
    {
        // Track positions stay stable across rebuilds (play trackers in flight refer to tracks by position): kept
        // tracks keep their slot, removed ones leave an empty placeholder, new ones are appended in id order.
        var order = new List<string?>(_order.Count + tracks.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in _order)
        {
            var keep = id is not null && tracks.ContainsKey(id);
            order.Add(keep ? id : null);
            if (keep)
            {
                placed.Add(id!);
            }
        }

        order.AddRange(tracks.Keys.Where(id => !placed.Contains(id)).Order(StringComparer.Ordinal));
        var builder = new IndexBuilder();
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i] is { } id)
            {
                builder.Add(id, tracks[id]);
            }
            else
            {
                builder.Add(RemovedPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture), EmptyPeaks);
            }
        }

        var index = builder.Build();
        _order = order;
        Volatile.Write(ref _tracks, tracks);
        Volatile.Write(ref _index, index);
        Interlocked.Exchange(ref _version, version);
        Interlocked.Increment(ref _generation);
        Swapped?.Invoke(index);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Index loaded from {Source}: {Tracks} tracks, {Hours:F1} h in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int tracks, double hours, string source, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index rebuilt after {Changes} catalogue change(s): {Tracks} tracks in {Milliseconds:F0} ms")]
    private static partial void LogRebuilt(ILogger logger, int changes, int tracks, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stale} catalogue track(s) use another algorithm version than {Version}; re-add them")]
    private static partial void LogStale(ILogger logger, int stale, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis index cache unavailable; using the catalogue store")]
    private static partial void LogCacheUnavailable(ILogger logger, Exception exception);
}
