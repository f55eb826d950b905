using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;

namespace Zamio.Central.Ingest;

/// <summary>
/// Every <see cref="ServeOptions.StationCheckSeconds"/>, re-reads the stations and their key hashes from the store, so
/// a change made by the CLI in another process or through another instance counts too. A removed station is
/// disconnected from the embedded broker and its session is ended by the ingest worker that owns it (queued behind the
/// packets it already sent); a station given a new key is disconnected, so its clients must log in with the new one.
/// </summary>
public sealed partial class StationRevocationSweep(
    StationStore stations,
    IngestQueue queue,
    EmbeddedBroker broker,
    IOptions<ServeOptions> options,
    TimeProvider time,
    ILogger<StationRevocationSweep> logger) : BackgroundService
{
    private IReadOnlyDictionary<string, byte[]>? _known;
    private bool _unreadable;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.StationCheckSeconds), time);
        // The first read is a database call: off the host's start-up path, which must not wait for a slow database.
        await Task.Yield();
        try
        {
            do
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Compares the stations with the previous read and acts on the differences; the first read is the baseline.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<string, byte[]> current;
        try
        {
            current = stations.KeyHashes();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database may be down for a while; the next read that works compares with the last good one.
            if (!_unreadable)
            {
                LogUnreadable(logger, ex);
            }

            _unreadable = true;
            return;
        }

        _unreadable = false;
        var known = _known;
        _known = current;
        if (known is null)
        {
            return;
        }

        foreach (var (station, hash) in known)
        {
            if (!current.TryGetValue(station, out var now))
            {
                await queue.RequestRevocationAsync(station, cancellationToken).ConfigureAwait(false);
                LogRemoved(logger, station, await broker.DisconnectStationAsync(station).ConfigureAwait(false));
            }
            else if (!hash.AsSpan().SequenceEqual(now))
            {
                LogNewKey(logger, station, await broker.DisconnectStationAsync(station).ConfigureAwait(false));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} was removed: {Clients} MQTT client(s) disconnected, its session is being ended")]
    private static partial void LogRemoved(ILogger logger, string station, int clients);

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {Station} has a new key: {Clients} MQTT client(s) logged in with the old one disconnected")]
    private static partial void LogNewKey(ILogger logger, string station, int clients);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The station list could not be read; removals and new keys wait for the next read that works")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);
}
