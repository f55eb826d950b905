using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Stations;

namespace Zamio.Central.Ingest;

/// <summary>
/// The ingest loops: one <see cref="IngestWorker"/> per queue partition (one per core by default), so matching uses
/// every core while a station's packets are still handled in order by one owner.
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
    private readonly string _instance = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, queue.Partitions).Select(partition =>
        {
            var worker = new IngestWorker(
                partition, _instance, catalog, plays, stations, activity, limiter, time, TimeSpan.FromSeconds(options.Value.IdleCloseSeconds), logger, metrics, archive);
            // A loop holds a pool thread only while its queue has packets: it awaits the queue between them.
            return Task.Run(() => RunAsync(worker, queue.Reader(partition), stoppingToken), stoppingToken);
        }));

    private static async Task RunAsync(IngestWorker worker, ChannelReader<InboundPacket> reader, CancellationToken stoppingToken)
    {
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var inbound))
                {
                    switch (inbound.Kind)
                    {
                        case InboundKind.IdleCheck:
                            worker.CloseIdleStations();
                            break;
                        case InboundKind.Revocation:
                            worker.Revoke(inbound.ClientStation);
                            break;
                        default:
                            await worker.ProcessAsync(inbound).ConfigureAwait(false);
                            break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
