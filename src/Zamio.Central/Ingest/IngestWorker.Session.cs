using System.Globalization;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

internal sealed partial class IngestWorker
{
    /// <summary>
    /// One station's stream since central (or the index) started. Frames are rebased to the session's first packet,
    /// whose capture time anchors the audio clock: utc(frame) = CaptureStart + (frame - StartFrame) × 32 ms.
    /// </summary>
    private sealed class StationSession(string station, string key, FingerprintPacket first, CatalogIndex catalog, Matcher matcher, long created)
    {
        // A play's evidence ends a little before the last packet an earlier session saw, and this session needs a
        // few windows before it reports: the tracker's gap bridge plus that slack.
        private static readonly TimeSpan OrphanBridge = TimeSpan.FromSeconds(30);

        private readonly List<PlayRecord> _orphans = [];
        private readonly Dictionary<long, PlayRecord> _adopted = [];
        // The last row written under this session's own key for its latest plays: a lookup answering late, or a
        // play found to continue another session's only once it has grown, moves such a row to the other one's.
        private const int OwnRowsKept = 8;
        private readonly SortedDictionary<long, PlayRecord> _ownRows = [];

        private readonly HashSet<string> _announcedOngoing = new(StringComparer.Ordinal);

        public string Station => station;

        public object Index { get; private set; } = catalog.Index;

        /// <summary><see cref="TimeProvider"/> timestamp of the last accepted packet.</summary>
        public long LastAccepted { get; private set; } = created;

        /// <summary>The plays of this silence are written as closed; cleared by the next accepted packet.</summary>
        public bool IdleClosed { get; set; }

        public long BaseFrame { get; } = first.StartFrame;

        /// <summary>The agent stream this session follows.</summary>
        public long StreamStartUnixMicros { get; } = first.StreamStartUnixMicros;

        public ulong? HighestSequence { get; set; }

        /// <summary>Packets of an older stream arrived while this one was live (logged once).</summary>
        public bool OlderStreamSeen { get; set; }

        /// <summary>End of the last accepted packet's audio, in session frames.</summary>
        public long? FramesSeen { get; set; }

        public StreamMatcher Matcher { get; } = new(matcher, WindowPhase.Of(station));

        public PlayTracker Tracker { get; } = new();

        /// <summary>
        /// Whether a written row is worth a log line: a play's first ongoing row and its close or retraction, not the
        /// update every window writes while it goes on (hundreds a second at thousands of stations).
        /// </summary>
        public bool IsNews(PlayRecord row)
        {
            if (row.Status == "ongoing")
            {
                return _announcedOngoing.Add(row.PlayKey);
            }

            _announcedOngoing.Remove(row.PlayKey);
            return true;
        }

        public void Accepted(long timestamp)
        {
            LastAccepted = timestamp;
            IdleClosed = false;
        }

        public void UseIndex(CatalogIndex current, Matcher shared)
        {
            Matcher.UseMatcher(shared);
            Index = current.Index;
        }

        /// <summary>
        /// The rows to write for <paramref name="play"/>: its own, or the row of the earlier session's play it
        /// continues. When that answer came late and the play was already written under its own key, that row is
        /// retracted, so the airing stays one play.
        /// </summary>
        public IEnumerable<PlayRecord> ToRecords(Play play)
        {
            var record = new PlayRecord(
                station,
                $"{key}/{play.Id.ToString(CultureInfo.InvariantCulture)}",
                play.TrackId,
                At(play.StartFrame),
                At(play.EndFrame),
                Math.Round(play.Confidence, 3),
                Math.Round(play.Speed, 4),
                play.Status switch
                {
                    PlayStatus.Closed => "closed",
                    PlayStatus.Retracted => "retracted",
                    _ => "ongoing",
                });
            if (!_adopted.TryGetValue(play.Id, out var orphan) && play.Status != PlayStatus.Retracted && Continued(record) is { } continued)
            {
                _adopted[play.Id] = orphan = continued;
            }

            if (orphan is null)
            {
                _ownRows[play.Id] = record;
                if (_ownRows.Count > OwnRowsKept)
                {
                    _ownRows.Remove(_ownRows.Keys.First());
                }

                return [record];
            }

            var adopted = Adopt(record, orphan);
            return _ownRows.Remove(play.Id) ? [record with { Status = "retracted" }, adopted] : [adopted];
        }

        /// <summary>The lookup of plays earlier sessions left ongoing, until its answer is taken.</summary>
        public Task<IReadOnlyList<PlayRecord>>? Orphans { get; set; }

        /// <summary>
        /// Takes the ongoing plays of earlier sessions, which a play of this one may continue, and returns the rows
        /// to write now: each orphan closed at its last evidence, or, when a play this session already wrote
        /// continues it (the answer came late), that play's own row retracted and its evidence moved to the orphan's.
        /// </summary>
        public List<PlayRecord> Inherit(IReadOnlyList<PlayRecord> orphans)
        {
            // A lookup on resumption also returns this session's own ongoing rows, and those it already carries on.
            var fresh = orphans.Where(o => !o.PlayKey.StartsWith(key + "/", StringComparison.Ordinal)
                && !_adopted.Values.Any(a => a.PlayKey == o.PlayKey) && !_orphans.Exists(known => known.PlayKey == o.PlayKey)).ToList();
            _orphans.AddRange(fresh);
            var rows = new List<PlayRecord>();
            foreach (var (id, own) in _ownRows.ToList())
            {
                if (own.Status != "retracted" && Continued(own) is { } orphan)
                {
                    _adopted[id] = orphan;
                    _ownRows.Remove(id);
                    rows.Add(own with { Status = "retracted" });
                    rows.Add(Adopt(own, orphan));
                }
            }

            rows.InsertRange(0, fresh.Where(_orphans.Contains).Select(o => o with { Status = "closed" }));
            return rows;
        }

        private PlayRecord? Continued(PlayRecord record)
        {
            var orphan = _orphans.Find(o => o.Track == record.Track && record.Start - o.End <= OrphanBridge && o.Start - record.End <= OrphanBridge);
            if (orphan is not null)
            {
                _orphans.Remove(orphan);
            }

            return orphan;
        }

        private static PlayRecord Adopt(PlayRecord record, PlayRecord orphan) =>
            record with { PlayKey = orphan.PlayKey, Start = orphan.Start < record.Start ? orphan.Start : record.Start };

        private DateTimeOffset At(long frame) => first.TimeAfter(frame);
    }
}
