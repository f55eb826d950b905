using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;

namespace Zamio.Central.Ingest;

/// <summary>
/// Every quarter of <see cref="ServeOptions.IdleCloseSeconds"/>, asks each ingest worker to close the plays of its
/// stations that stopped sending, so a station gone off air leaves no play ongoing for ever. The check travels
/// through the ingest queue: trackers are only ever touched by the worker that owns them.
/// </summary>
public sealed class StationIdleSweep(IngestQueue queue, IOptions<ServeOptions> options, TimeProvider time) : BackgroundService
{
    private PeriodicTimer? _timer;

    public TimeSpan Period { get; } = TimeSpan.FromSeconds(options.Value.IdleCloseSeconds / 4.0);

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
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
