using System.Globalization;
using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Stations;

namespace Zamio.Central.Ingest;

/// <summary>
/// The ingest loops: <see cref="IngestQueue.Workers"/> of them (one per core by default) take turns on the queue's
/// station shards, each shard with its own <see cref="IngestWorker"/> state, so matching uses every core while a
/// station's packets are still handled in order, by one loop at a time.
/// </summary>
public sealed class IngestService(
    IngestQueue queue,
    CatalogIndex catalog,
    PlayStore plays,
    StationStore stations,
    StationActivity activity,
    IStationRateLimiter limiter,
    TimeProvider time,
    IOptions<ServeOptions> options,
    ILogger<IngestService> logger,
    Metrics.CentralMetrics? metrics = null,
    Archive.PacketArchive? archive = null) : BackgroundService
{
    // A turn on a shard is bounded, so a shard with a long backlog does not keep a loop from the others.
    private const int TurnPackets = 64;

    private readonly string _instance = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var shards = Enumerable.Range(0, queue.Shards)
            .Select(shard => new IngestWorker(
                shard, _instance, catalog, plays, stations, activity, limiter, time, TimeSpan.FromSeconds(options.Value.IdleCloseSeconds), logger, metrics, archive, queue))
            .ToArray();
        // A loop holds a pool thread only while a shard has packets: it awaits the queue between turns.
        return Task.WhenAll(Enumerable.Range(0, queue.Workers).Select(_ => Task.Run(() => RunAsync(shards, stoppingToken), stoppingToken)));
    }

    private async Task RunAsync(IngestWorker[] shards, CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var shard = await queue.TakeShardAsync(stoppingToken).ConfigureAwait(false);
                try
                {
                    for (var turn = 0; turn < TurnPackets && queue.TryDequeue(shard, out var inbound); turn++)
                    {
                        await HandleAsync(shards[shard], inbound).ConfigureAwait(false);
                    }
                }
                finally
                {
                    queue.Release(shard);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static ValueTask HandleAsync(IngestWorker worker, InboundPacket inbound)
    {
        switch (inbound.Kind)
        {
            case InboundKind.IdleCheck:
                worker.CloseIdleStations();
                return ValueTask.CompletedTask;
            case InboundKind.Revocation:
                worker.Revoke(inbound.ClientStation);
                return ValueTask.CompletedTask;
            default:
                return worker.ProcessAsync(inbound);
        }
    }
}
