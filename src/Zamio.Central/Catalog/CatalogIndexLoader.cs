using Microsoft.Extensions.Options;
using Zamio.Central.Caching;

namespace Zamio.Central.Catalog;

/// <summary>
/// Loads the index before the broker and HTTP API take traffic, then keeps it current: applies catalogue changes
/// as they arrive (batched, one rebuild per batch) and, with Redis, compares versions periodically to catch
/// notifications missed while disconnected.
/// </summary>
public sealed partial class CatalogIndexLoader(
    CatalogIndex index,
    ICatalogChangeFeed feed,
    IOptions<RedisOptions> redisOptions,
    TimeProvider time,
    ILogger<CatalogIndexLoader> logger,
    CatalogCache? cache = null) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await index.LoadAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var check = cache is null ? Task.CompletedTask : CheckVersionsAsync(stoppingToken);
        try
        {
            while (await feed.Changes.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                var batch = new List<CatalogChange>();
                while (feed.Changes.TryRead(out var change))
                {
                    batch.Add(change);
                }

                try
                {
                    await index.ApplyAsync(batch, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogApplyFailed(logger, ex, batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await check.ConfigureAwait(false);
    }

    private async Task CheckVersionsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(redisOptions.Value.VersionCheckMilliseconds), time);
        var drift = new VersionDrift();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (cache is not { IsConnected: true })
                {
                    continue;
                }

                try
                {
                    var version = await cache.VersionAsync().ConfigureAwait(false);
                    var local = index.Version;
                    if (local > version && await cache.RaiseVersionAsync(local).ConfigureAwait(false))
                    {
                        // Redis lost the version (restarted empty, or from an old dump): it gets back the highest an
                        // instance has, and the snapshot with it, so changes count on from there and new instances
                        // still warm from it. An instance that was behind then sees a difference and reloads.
                        LogVersionRestored(logger, local);
                        index.RequestShare();
                        continue;
                    }

                    if (drift.Check(version, local))
                    {
                        LogVersionDrift(logger, local, version);
                        await index.LoadAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogApplyFailed(logger, ex, 0);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Count} catalogue change(s) failed; the previous index stays in use")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis held an older catalogue version than this index (it restarted empty or from an old dump); raised it to {Version} and writing the index snapshot again")]
    private static partial void LogVersionRestored(ILogger logger, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalogue version {Local} still differs from {Remote} after a check period without a notification; reloading the index")]
    private static partial void LogVersionDrift(ILogger logger, long local, long remote);
}
