using System.Diagnostics;
using System.Diagnostics.Metrics;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Central.Stations;

namespace Zamio.Central.Metrics;

/// <summary>
/// Every measurement central makes, on one <see cref="Meter"/> named <c>Zamio.Central</c>. One instance per host
/// (so two hosts in one process never mix their numbers); <see cref="PrometheusExporter"/> listens to this meter only.
/// Tag values are a small fixed vocabulary (results, reasons, sources), never station ids, to keep series bounded.
/// </summary>
public sealed class CentralMetrics : IDisposable
{
    public const string MeterName = "Zamio.Central";

    private readonly Counter<long> _packets;
    private readonly Histogram<double> _matchSeconds;
    private readonly Histogram<double> _ingestLag;
    private readonly Histogram<double> _playWrites;
    private readonly Counter<long> _plays;
    private readonly Counter<long> _idleClosed;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _uploads;
    private readonly Counter<long> _catalogChanges;
    private readonly Counter<long> _sessions;
    private readonly Counter<long> _deliveryStalls;
    private readonly Counter<long> _earlyDecisionsShed;

    public CentralMetrics(
        CatalogIndex catalog, StationActivity activity, Ingest.IngestQueue queue, Caching.RedisConnection? redis = null, Archive.PacketArchive? archive = null, Plays.PlayFeed? feed = null)
    {
        Meter = new Meter(MeterName);
        _packets = Meter.CreateCounter<long>("zamio.ingest.rejections", description: "Packets refused before the ingest loop (HTTP fallback, external broker), by reason.");
        Meter.CreateObservableCounter("zamio.ingest.packets", () => IngestTotals(activity), description: "Fingerprint packets seen by the ingest loop and its transports, by result (accepted, duplicate, rejected, dropped) and drop reason.");
        _matchSeconds = Meter.CreateHistogram<double>("zamio.match.duration", unit: "s", description: "Time spent matching, by source (stream packet, identify, upload).");
        _ingestLag = Meter.CreateHistogram<double>("zamio.ingest.lag", unit: "s", description: "From the end of a packet's audio (the agent's clock) to the end of its matching here: how far behind the air plays are decided, transport and queueing included. A spool replayed after an outage counts at its age.");
        _playWrites = Meter.CreateHistogram<double>("zamio.plays.write.duration", unit: "s", description: "Time to write one batch of play changes to the database; a play is shown once its batch is written.");
        _plays = Meter.CreateCounter<long>("zamio.plays.written", description: "Play rows written (inserted or updated), by status.");
        _idleClosed = Meter.CreateCounter<long>("zamio.plays.idle_closed", description: "Ongoing plays written as closed because their station stopped sending (a resumed stream carries them on).");
        _rateLimited = Meter.CreateCounter<long>("zamio.ratelimit.hits", description: "Requests or packets refused by a rate limit, by scope.");
        _uploads = Meter.CreateCounter<long>("zamio.uploads", description: "Mobile clip uploads by result.");
        _catalogChanges = Meter.CreateCounter<long>("zamio.catalog.changes", description: "Catalogue changes made through the admin API, by kind.");
        _earlyDecisionsShed = Meter.CreateCounter<long>("zamio.ingest.early_decisions_shed", description: "Packets matched without early decisions between songs because this instance had fallen behind its stations (its ingest queue at least half full).");
        _deliveryStalls = Meter.CreateCounter<long>("zamio.mqtt.delivery_stalls", description: "Reconnects to the external broker because it stopped delivering fingerprints while this instance kept up (the session is resumed, so nothing it held is lost).");
        _sessions = Meter.CreateCounter<long>("zamio.ingest.sessions", description: "Station sessions started (new: first packets seen here; restart: the agent began a new stream) and ended (revoked: station removed; forgotten: silent for a day).");
        Meter.CreateObservableGauge("zamio.ingest.queue", () => queue.Depth, description: "Packets waiting for the ingest workers; growth means matching is behind.");
        Meter.CreateObservableGauge("zamio.index.tracks", () => catalog.IsLoaded ? catalog.TrackCount : 0L, description: "Catalogue tracks in the in-process fingerprint index (removed ones waiting for a rebuild not counted).");
        Meter.CreateObservableGauge("zamio.index.postings", () => catalog.IsLoaded ? catalog.Index.PostingCount : 0L, description: "Postings (hash entries) in the in-process fingerprint index.");
        Meter.CreateObservableGauge("zamio.index.memory", () => catalog.IsLoaded ? catalog.Index.MemoryBytes : 0L, unit: "By", description: "Memory held by the in-process fingerprint index.");
        Meter.CreateObservableGauge("zamio.index.source", () => IndexSource(catalog), description: "1 for where the index was last loaded from: snapshot (the built index from Redis), redis (built from cached peaks) or store.");
        Meter.CreateObservableGauge("zamio.index.version", () => catalog.Version, description: "Catalogue version the index reflects (the Redis change counter; 0 without Redis): instances that agree show the same.");
        if (feed is not null)
        {
            Meter.CreateObservableGauge("zamio.plays.live_subscribers", () => feed.Subscribers, description: "Clients following GET /api/v1/plays/live on this instance.");
            Meter.CreateObservableCounter("zamio.plays.live_missed", () => feed.Missed, description: "Plays live subscribers lost because they fell behind (each was told how many).");
        }

        if (archive is { Enabled: true })
        {
            Meter.CreateObservableCounter("zamio.archive.packets", () => ArchiveTotals(archive), description: "Matched packets kept in the fingerprint archive for rematch, by result (written; dropped: the archive queue was full or the disk refused them).");
            Meter.CreateObservableGauge("zamio.archive.size", () => archive.Bytes, unit: "By", description: "The fingerprint archive's size on disk at its last hourly check.");
        }

        Meter.CreateObservableGauge("zamio.cache.connected", () => CacheConnected(redis), description: "1 while the Redis index cache and shared limiter are reachable, 0 while not (matching goes on from the in-process index); absent without Redis.");
    }

    public Meter Meter { get; }

    private static IEnumerable<Measurement<long>> IndexSource(CatalogIndex catalog) =>
        catalog.LoadedFrom is { } source ? [new Measurement<long>(1, new KeyValuePair<string, object?>("source", source))] : [];

    private static IEnumerable<Measurement<long>> ArchiveTotals(Archive.PacketArchive archive) =>
    [
        new Measurement<long>(archive.Written, new KeyValuePair<string, object?>("result", "written")),
        new Measurement<long>(archive.Dropped, new KeyValuePair<string, object?>("result", "dropped")),
    ];

    private static IEnumerable<Measurement<long>> CacheConnected(Caching.RedisConnection? redis) =>
        redis is null ? [] : [new Measurement<long>(redis.IsConnected ? 1 : 0)];

    private static IEnumerable<Measurement<long>> IngestTotals(StationActivity activity)
    {
        long accepted = 0, duplicates = 0, rejected = 0;
        foreach (var station in activity.Known)
        {
            var state = activity.State(station);
            accepted += state.Accepted;
            duplicates += state.Duplicates;
            rejected += state.Rejected;
        }

        yield return new Measurement<long>(accepted, new KeyValuePair<string, object?>("result", "accepted"));
        yield return new Measurement<long>(duplicates, new KeyValuePair<string, object?>("result", "duplicate"));
        yield return new Measurement<long>(rejected, new KeyValuePair<string, object?>("result", "rejected"));
        foreach (var (reason, count) in activity.DropTotals)
        {
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("result", "dropped"), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <param name="reason">One of <see cref="Shared.Wire.RejectReasons"/>.</param>
    public void PacketRejected(string reason) => _packets.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void MatchDuration(string source, TimeSpan elapsed) => _matchSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("source", source));

    public void IngestLag(TimeSpan lag) => _ingestLag.Record(Math.Max(0, lag.TotalSeconds));

    public void PlayBatchWritten(TimeSpan elapsed) => _playWrites.Record(elapsed.TotalSeconds);

    public void PlaysWritten(string status, int count) => _plays.Add(count, new KeyValuePair<string, object?>("status", status));

    public void PlaysWritten(IReadOnlyList<PlayRecord> plays)
    {
        foreach (var play in plays)
        {
            PlaysWritten(play.Status, 1);
        }
    }

    public void PlaysIdleClosed(int count) => _idleClosed.Add(count);

    public void RateLimited(string scope) => _rateLimited.Add(1, new KeyValuePair<string, object?>("scope", scope));

    public void Upload(string result) => _uploads.Add(1, new KeyValuePair<string, object?>("result", result));

    public void DeliveryStalled() => _deliveryStalls.Add(1);

    public void EarlyDecisionsShed() => _earlyDecisionsShed.Add(1);

    public void Session(string reason) => _sessions.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CatalogChanged(string kind) => _catalogChanges.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Measures a block: <c>using (metrics.Time("identify")) { ... }</c> without allocating.</summary>
    public MatchTimer Time(string source) => new(this, source, Stopwatch.GetTimestamp());

    public void Dispose() => Meter.Dispose();

    public readonly struct MatchTimer(CentralMetrics metrics, string source, long started) : IDisposable
    {
        public void Dispose() => metrics.MatchDuration(source, Stopwatch.GetElapsedTime(started));
    }
}
