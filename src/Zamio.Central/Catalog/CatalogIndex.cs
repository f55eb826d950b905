using Zamio.Central.Caching;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Central.Catalog;

/// <summary>
/// The fingerprint index held hot in process. Loaded at start from the index snapshot in Redis when there is one of
/// the current catalogue version, otherwise built from the cached peaks when Redis holds the whole catalogue,
/// otherwise from the catalogue store (which then fills the cache). A catalogue change swaps in a new index
/// atomically, so matchers pick it up for their next window: removed tracks are retired in place (their postings
/// stay, unverifiable, until a full build) and added ones go to a small recent layer, merged into the main layer
/// in the background; a changed track rebuilds the whole index.
/// </summary>
public sealed partial class CatalogIndex(
    ICatalogStore store,
    TimeProvider time,
    ILogger<CatalogIndex> logger,
    CatalogCache? cache = null,
    IndexSnapshotStore? snapshots = null)
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
    private SnapshotSource? _snapshotSource;
    private long _version;
    private long _generation;

    /// <summary>Catalogue version of the last full load: changes up to it are in the index already.</summary>
    private long _loadedVersion;

    /// <summary>A change was applied without a catalogue version (Redis was down), so this index may differ from
    /// what its version means to the other instances; it must not become the shared snapshot.</summary>
    private bool _unversioned;

    public bool IsLoaded => Volatile.Read(ref _index) is not null;

    public FingerprintIndex Index => Volatile.Read(ref _index) ?? throw new InvalidOperationException("The index is not loaded yet.");

    /// <summary>Catalogue tracks in the index (without placeholders of removed tracks).</summary>
    public int TrackCount => Volatile.Read(ref _tracks).Count;

    /// <summary>Ids of the catalogue tracks in the index.</summary>
    public IReadOnlyCollection<string> TrackIds => Volatile.Read(ref _tracks).Keys;

    /// <summary>Whether the index currently holds the track.</summary>
    public bool Contains(string trackId) => Volatile.Read(ref _tracks).ContainsKey(trackId);

    /// <summary>The catalogue version (Redis counter) this index reflects; 0 without Redis.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Incremented on every swap.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>
    /// Where the last full load came from: "snapshot" (the built index from Redis), "redis" (built from the cached
    /// peaks), "store", or null before loading.
    /// </summary>
    public string? LoadedFrom { get; private set; }

    /// <summary>Raised after a new index was swapped in (on the rebuilding thread).</summary>
    public event Action<FingerprintIndex>? Swapped;

    /// <summary>Raised when Redis lost the shared snapshot and this index should be written there again.</summary>
    public event Action? ShareRequested;

    /// <summary>Asks for this index to be written to Redis again (it restarted empty).</summary>
    public void RequestShare() => ShareRequested?.Invoke();

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
            // Changes this instance made itself come back over pub/sub, and changes up to the loaded version arrive
            // while loading; they are in the index already.
            changes = [.. changes.Where(c => c.Version == 0 || (c.Version > _loadedVersion && !_applied.Contains(c.Version)))];
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

            foreach (var (id, peaks) in await FetchAsync(added, cancellationToken).ConfigureAwait(false))
            {
                tracks[id] = peaks;
            }

            _unversioned |= changes.Any(c => c.Version == 0);
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

    /// <summary>Peaks of added tracks: from the cache, else (missing or damaged there) from the store.</summary>
    private async Task<Dictionary<string, TrackPeaks>> FetchAsync(List<string> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, TrackPeaks>(StringComparer.Ordinal);
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
                catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
                {
                    LogCacheUnavailable(logger, ex);
                }
            }

            if (peaks is not null && Decode(peaks, "redis") is { } decoded)
            {
                found[id] = decoded;
            }
            else
            {
                missing.Add(id);
            }
        }

        if (missing.Count > 0)
        {
            AddDecoded(found, await LoadCurrentFromStoreAsync(missing, cancellationToken).ConfigureAwait(false), "store");
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

        var appended = tracks.Keys.Where(id => !placed.Contains(id)).Order(StringComparer.Ordinal).ToList();
        order.AddRange(appended);
        if (Volatile.Read(ref _index) is { } current && Incremental(current, tracks) is { } retired)
        {
            // Removed tracks lose their peaks in place; added ones go to the small recent layer, live at once and
            // merged into the main layer in the background: no hashing or copying of the whole catalogue here.
            var index = retired.Count > 0 ? current.Retire(retired) : current;
            index = appended.Count > 0 ? index.Layer([.. appended.Select(id => (id, tracks[id]))]) : index;
            Publish(index, order, tracks, version);
            if (index.Recent is not null)
            {
                _ = Task.Run(() => MergeLayersAsync(index));
            }

            return;
        }

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

        Publish(builder.Build(), order, tracks, version);
    }

    /// <summary>
    /// Swaps in the single-layer form of <paramref name="layered"/> unless another change came first (that change
    /// merges its own). The merge copies the whole index, so it runs outside the change path.
    /// </summary>
    private async Task MergeLayersAsync(FingerprintIndex layered)
    {
        try
        {
            // Changes come in bursts (a folder added track by track): merge once the index has been quiet a while.
            await Task.Delay(MergeQuiet, time).ConfigureAwait(false);
            if (!ReferenceEquals(Volatile.Read(ref _index), layered))
            {
                return;
            }

            var started = time.GetTimestamp();
            var merged = layered.Flatten();
            await _rebuild.WaitAsync().ConfigureAwait(false);
            try
            {
                if (ReferenceEquals(Volatile.Read(ref _index), layered))
                {
                    Publish(merged, _order, _tracks, Version);
                    LogMerged(logger, merged.Tracks.Count, time.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            finally
            {
                _rebuild.Release();
            }
        }
        catch (OutOfMemoryException ex)
        {
            // The layered index keeps matching correctly; only its recent layer costs a second lookup per hash.
            LogMergeFailed(logger, ex);
        }
    }

    private static readonly TimeSpan MergeQuiet = TimeSpan.FromSeconds(5);

    // Retired slots keep their postings until a full build; past this share of the timeline the next change rebuilds.
    private const double MaxRetiredShare = 0.25;

    /// <summary>
    /// The slots to retire when the change only removes and adds tracks (every kept one unchanged) and the dead
    /// postings stay small; null when the index must be built again.
    /// </summary>
    private Dictionary<int, string>? Incremental(FingerprintIndex current, Dictionary<string, TrackPeaks> tracks)
    {
        if (current.Tracks.Count != _order.Count)
        {
            return null;
        }

        var retired = new Dictionary<int, string>();
        long retiredFrames = current.RetiredFrames;
        for (var i = 0; i < _order.Count; i++)
        {
            if (_order[i] is not { } id)
            {
                continue;
            }

            if (!tracks.TryGetValue(id, out var peaks))
            {
                retired[i] = RemovedPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                retiredFrames += current.Tracks[i].Peaks.FrameCount;
            }
            else if (!ReferenceEquals(peaks, _tracks[id]))
            {
                return null;
            }
        }

        return retiredFrames <= MaxRetiredShare * Math.Max(1, current.TimelineFrames) ? retired : null;
    }

    private void Publish(FingerprintIndex index, List<string?> order, Dictionary<string, TrackPeaks> tracks, long version)
    {
        _order = order;
        Volatile.Write(ref _tracks, tracks);
        Volatile.Write(ref _index, index);
        Volatile.Write(ref _snapshotSource, _unversioned ? null : new SnapshotSource(index, version));
        Interlocked.Exchange(ref _version, version);
        Interlocked.Increment(ref _generation);
        Swapped?.Invoke(index);
    }

    /// <summary>An index and the catalogue version it reflects, read together.</summary>
    public sealed record SnapshotSource(FingerprintIndex Index, long Version);

    /// <summary>The current index as a snapshot may share it, or null when it must not (see <see cref="_unversioned"/>).</summary>
    public SnapshotSource? ShareableState => Volatile.Read(ref _snapshotSource);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index loaded from {Source}: {Tracks} tracks, {Hours:F1} h in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int tracks, double hours, string source, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released the load's working memory: managed heap {BeforeMiB} MiB -> {AfterMiB} MiB in {Milliseconds:0} ms")]
    private static partial void LogLoadGarbageReleased(ILogger logger, long beforeMiB, long afterMiB, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index rebuilt after {Changes} catalogue change(s): {Tracks} tracks in {Milliseconds:F0} ms")]
    private static partial void LogRebuilt(ILogger logger, int changes, int tracks, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recently added tracks merged into the main index layer: {Tracks} tracks in {Milliseconds:F0} ms")]
    private static partial void LogMerged(ILogger logger, int tracks, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Merging the recent index layer failed; matching continues on two layers")]
    private static partial void LogMergeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stale} catalogue track(s) use another algorithm version than {Version}; re-add them")]
    private static partial void LogStale(ILogger logger, int stale, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis index cache unavailable; using the catalogue store")]
    private static partial void LogCacheUnavailable(ILogger logger, Exception exception);
}
