using Zamio.Central.Storage;

namespace Zamio.Central.Catalog;

/// <summary>
/// Title, artist and ISRC by track id for API answers (royalty reports go by ISRC), read from the catalogue store again
/// when the index changes (a track added or removed) and when the copy is older than <see cref="MaxAge"/>: a description
/// changed on its own (<c>PATCH /api/v1/tracks/{id}</c>, <c>catalog describe</c>) touches no index, so another
/// instance shows it within that age. The instance that made the change drops its copy at once.
/// </summary>
public sealed partial class TrackMetadataCache(CatalogManager catalog, CatalogIndex index, TimeProvider time, ILogger<TrackMetadataCache> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _current;
    private bool _unavailable;

    public async Task<IReadOnlyDictionary<string, TrackMetadata>> GetAsync(CancellationToken cancellationToken)
    {
        var generation = index.Generation;
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

            var readAt = time.GetTimestamp();
            var tracks = await catalog.ListAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = new Snapshot(generation, readAt, tracks.ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal));
            Volatile.Write(ref _current, snapshot);
            _unavailable = false;
            return snapshot.Tracks;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Plays matter more than their descriptions: a store that is down leaves the last known ones (or none).
            if (!_unavailable)
            {
                LogUnavailable(logger, ex);
                _unavailable = true;
            }

            return Volatile.Read(ref _current)?.Tracks ?? new Dictionary<string, TrackMetadata>();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops the copy, so the next answer reads the store (after this instance changed a description).</summary>
    /// <remarks>The copy stays as the fallback while the store is unreachable.</remarks>
    public void Invalidate()
    {
        if (Volatile.Read(ref _current) is { } current)
        {
            Volatile.Write(ref _current, current with { Expired = true });
        }
    }

    private Snapshot? Fresh(Snapshot? snapshot, long generation) =>
        snapshot is { Expired: false } && snapshot.Generation == generation && time.GetElapsedTime(snapshot.ReadAt) < MaxAge ? snapshot : null;

    private sealed record Snapshot(long Generation, long ReadAt, IReadOnlyDictionary<string, TrackMetadata> Tracks)
    {
        public bool Expired { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Track metadata could not be read from the catalogue store; plays are listed without it")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
