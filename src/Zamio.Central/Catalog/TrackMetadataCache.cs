using Zamio.Central.Caching;
using Zamio.Central.Storage;

namespace Zamio.Central.Catalog;

/// <summary>
/// Title, artist and ISRC by track id for API answers (royalty reports go by ISRC), read from the catalogue store again
/// when the index changes (a track added or removed), when a description change is announced
/// (<c>PATCH /api/v1/tracks/{id}</c>, <c>catalog describe</c>: <see cref="IDescriptionChanges"/>), and when the copy is
/// older than <see cref="MaxAge"/>, for an announcement lost while Redis was down or a <c>catalog describe</c> on the
/// embedded files of a running <c>serve</c>.
/// </summary>
public sealed partial class TrackMetadataCache
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly CatalogManager _catalog;
    private readonly CatalogIndex _index;
    private readonly TimeProvider _time;
    private readonly ILogger<TrackMetadataCache> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _current;
    private bool _unavailable;

    // Counts announced changes; a copy read before the latest is stale even when the announcement came during its read.
    private long _changes;

    public TrackMetadataCache(CatalogManager catalog, CatalogIndex index, IDescriptionChanges changes, TimeProvider time, ILogger<TrackMetadataCache> logger)
    {
        _catalog = catalog;
        _index = index;
        _time = time;
        _logger = logger;
        changes.Changed += Invalidate;
    }

    public async Task<IReadOnlyDictionary<string, TrackMetadata>> GetAsync(CancellationToken cancellationToken)
    {
        var generation = _index.Generation;
        if (Fresh(Volatile.Read(ref _current), generation) is { } current)
        {
            return current.Tracks;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Fresh(Volatile.Read(ref _current), generation) is { } again)
            {
                return again.Tracks;
            }

            var readAt = _time.GetTimestamp();
            var changes = Interlocked.Read(ref _changes);
            var tracks = await _catalog.ListAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = new Snapshot(generation, changes, readAt, tracks.ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal));
            Volatile.Write(ref _current, snapshot);
            _unavailable = false;
            return snapshot.Tracks;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Plays matter more than their descriptions: a store that is down leaves the last known ones (or none).
            if (!_unavailable)
            {
                LogUnavailable(_logger, ex);
                _unavailable = true;
            }

            return Volatile.Read(ref _current)?.Tracks ?? new Dictionary<string, TrackMetadata>();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops the copy, so the next answer reads the store (a description changed).</summary>
    /// <remarks>The copy stays as the fallback while the store is unreachable.</remarks>
    private void Invalidate() => Interlocked.Increment(ref _changes);

    private Snapshot? Fresh(Snapshot? snapshot, long generation) =>
        snapshot is not null && snapshot.Generation == generation && snapshot.Changes == Interlocked.Read(ref _changes)
        && _time.GetElapsedTime(snapshot.ReadAt) < MaxAge ? snapshot : null;

    private sealed record Snapshot(long Generation, long Changes, long ReadAt, IReadOnlyDictionary<string, TrackMetadata> Tracks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Track metadata could not be read from the catalogue store; plays are listed without it")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
