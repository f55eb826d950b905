using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Caching;

namespace Zamio.Central.Catalog;

/// <summary>
/// Keeps the index snapshot in Redis current: after a load or a burst of catalogue changes has been quiet for
/// <see cref="RedisOptions.SnapshotDebounceMilliseconds"/>, writes this instance's index unless Redis already holds
/// that version or another instance is writing it (see <see cref="IndexSnapshotStore"/>).
/// </summary>
public sealed partial class IndexSnapshotPublisher(
    CatalogIndex index,
    IOptions<RedisOptions> options,
    TimeProvider time,
    ILogger<IndexSnapshotPublisher> logger,
    IndexSnapshotStore? snapshots = null) : BackgroundService
{
    private readonly Channel<bool> _swaps = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Raised after each attempt, with its outcome and the catalogue version it was for.</summary>
    public event Action<SnapshotWriteResult, long>? Attempted;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (snapshots is not { Enabled: true })
        {
            return;
        }

        void OnSwapped(Shared.Indexing.FingerprintIndex _) => _swaps.Writer.TryWrite(true);
        void OnShareRequested() => _swaps.Writer.TryWrite(true);
        index.Swapped += OnSwapped;
        index.ShareRequested += OnShareRequested;
        try
        {
            if (index.IsLoaded)
            {
                _swaps.Writer.TryWrite(true);
            }

            while (await _swaps.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await QuietAsync(stoppingToken).ConfigureAwait(false);
                await PublishAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            index.Swapped -= OnSwapped;
            index.ShareRequested -= OnShareRequested;
        }
    }

    /// <summary>Waits until no swap arrived for one debounce period (at most a few periods under steady changes).</summary>
    private async Task QuietAsync(CancellationToken stoppingToken)
    {
        var debounce = TimeSpan.FromMilliseconds(options.Value.SnapshotDebounceMilliseconds);
        _swaps.Reader.TryRead(out _);
        for (var round = 0; round < 4 && debounce > TimeSpan.Zero; round++)
        {
            await Task.Delay(debounce, time, stoppingToken).ConfigureAwait(false);
            if (!_swaps.Reader.TryRead(out _))
            {
                return;
            }
        }
    }

    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        if (index.ShareableState is not { } state)
        {
            LogNotShareable(logger);
            return;
        }

        if (state.Index.Recent is not null)
        {
            // The layers are being merged; the merged index swaps in and is written then, without a second flattening.
            return;
        }

        var started = time.GetTimestamp();
        try
        {
            var result = await snapshots!.TryWriteAsync(state.Index, state.Version, stoppingToken).ConfigureAwait(false);
            LogAttempt(logger, result, state.Version, time.GetElapsedTime(started).TotalMilliseconds);
            Attempted?.Invoke(result, state.Version);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            // The snapshot only speeds up other instances' start; they build the index without it.
            LogWriteFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Index snapshot for catalogue version {Version}: {Result} after {Milliseconds:F0} ms")]
    private static partial void LogAttempt(ILogger logger, SnapshotWriteResult result, long version, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index has catalogue changes made while Redis was unreachable; not sharing it as a snapshot until the next full load")]
    private static partial void LogNotShareable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the index snapshot to Redis failed; new instances build the index instead")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);
}
