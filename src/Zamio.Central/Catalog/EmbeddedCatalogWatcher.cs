using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Storage;

namespace Zamio.Central.Catalog;

/// <summary>
/// On the embedded store, picks up catalogue changes another process made (the <c>catalog</c> verbs while
/// <c>serve</c> runs) by comparing the store with the index every few seconds, so they go live without a restart.
/// Changes made through this instance's API are in the index already and are not applied twice.
/// </summary>
public sealed partial class EmbeddedCatalogWatcher(
    ICatalogStore store,
    CatalogIndex index,
    IOptions<StorageOptions> options,
    TimeProvider time,
    ILogger<EmbeddedCatalogWatcher> logger) : BackgroundService
{
    private Dictionary<string, DateTimeOffset>? _known;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.EmbeddedCatalogPollMilliseconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await PollAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogPollFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Applies what changed in the store since the last poll; returns the number of changes.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        if (!index.IsLoaded)
        {
            return 0;
        }

        var listed = (await store.ListAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(t => t.Id, t => t.AddedAt, StringComparer.Ordinal);
        var changes = new List<CatalogChange>();
        foreach (var (id, addedAt) in listed)
        {
            // New to the index, or written again (new audio under the same id) since the last poll.
            if (!index.Contains(id) || (_known is not null && _known.TryGetValue(id, out var before) && before != addedAt))
            {
                changes.Add(new CatalogChange(CatalogChangeKind.Added, id, 0));
            }
        }

        changes.AddRange(index.TrackIds.Where(id => !listed.ContainsKey(id)).Select(id => new CatalogChange(CatalogChangeKind.Removed, id, 0)));
        _known = listed;
        if (changes.Count > 0)
        {
            LogApplying(logger, changes.Count);
            await index.ApplyAsync(changes, cancellationToken).ConfigureAwait(false);
        }

        return changes.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} catalogue change(s) made by another process")]
    private static partial void LogApplying(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the embedded catalogue for changes")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
