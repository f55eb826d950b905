using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;
using Zamio.Central.Storage;

namespace Zamio.Central.Ingest;

/// <summary>
/// Every quarter of <see cref="ServeOptions.IdleCloseSeconds"/>, asks each ingest worker to close the plays of its
/// stations that stopped sending, so a station gone off air leaves no play ongoing for ever. The check travels
/// through the ingest queue: trackers are only ever touched by the worker that owns them. Plays left ongoing by a
/// session that no instance runs any more (an instance stopped mid-play and the station never sent again) are
/// closed in the store once untouched for twice the idle time.
/// </summary>
public sealed partial class StationIdleSweep(
    IngestQueue queue,
    IPlayStore store,
    IOptions<ServeOptions> options,
    TimeProvider time,
    ILogger<StationIdleSweep> logger) : BackgroundService
{
    private PeriodicTimer? _timer;

    public TimeSpan Period { get; } = TimeSpan.FromSeconds(options.Value.IdleCloseSeconds / 4.0);

    private TimeSpan Abandoned { get; } = TimeSpan.FromSeconds(2.0 * options.Value.IdleCloseSeconds);

    /// <summary>Starts the clock before returning (the loop itself runs in the background), so periods count from here.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = new PeriodicTimer(Period, time);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = _timer ?? throw new InvalidOperationException("Not started.");
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await queue.RequestIdleCheckAsync(stoppingToken).ConfigureAwait(false);
                CloseAbandoned();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void CloseAbandoned()
    {
        var now = time.GetUtcNow();
        try
        {
            var closed = store.CloseAbandoned(now - Abandoned, now);
            if (closed > 0)
            {
                LogAbandonedClosed(logger, closed, Abandoned.TotalSeconds);
            }
        }
        catch (Exception ex) when (StorageErrors.IsTransient(ex))
        {
            // The database is away or cannot take writes for now (a failover, a full disk); the play writer reports
            // that, and the next sweep tries again.
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Anything else: logged, and the sweep goes on; it must never stop ingest.
            LogAbandonedFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing plays left ongoing by gone sessions failed; the next sweep tries again")]
    private static partial void LogAbandonedFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed {Count} play(s) left ongoing by a session no instance runs (untouched for {Seconds:0} s)")]
    private static partial void LogAbandonedClosed(ILogger logger, int count, double seconds);
}
