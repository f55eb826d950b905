using Zamio.Central.Storage;

namespace Zamio.Central.Catalog;

/// <summary>
/// Title, artist and ISRC by track id for API answers (royalty reports go by ISRC), read from the catalogue store once
/// per index generation: every catalogue change swaps the index, so the next request reads the store again.
/// </summary>
public sealed partial class TrackMetadataCache(CatalogManager catalog, CatalogIndex index, ILogger<TrackMetadataCache> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Snapshot? _current;
    private bool _unavailable;

    public async Task<IReadOnlyDictionary<string, TrackMetadata>> GetAsync(CancellationToken cancellationToken)
    {
        var generation = index.Generation;
        if (Volatile.Read(ref _current) is { } current && current.Generation == generation)
        {
            return current.Tracks;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _current) is { } again && again.Generation == generation)
            {
                return again.Tracks;
            }

            var tracks = await catalog.ListAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = new Snapshot(generation, tracks.ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal));
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

    private sealed record Snapshot(long Generation, IReadOnlyDictionary<string, TrackMetadata> Tracks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Track metadata could not be read from the catalogue store; plays are listed without it")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
