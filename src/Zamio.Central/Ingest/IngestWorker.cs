using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

/// <summary>
/// One ingest shard: validates packets, drops redeliveries by sequence, runs each of its stations' streaming
/// matcher and play tracker, and queues the resulting plays. A station always lands on the same shard, and a shard is
/// run by one ingest loop at a time, so its packets stay in order; shards share nothing but the index and the
/// thread-safe stores. Idle checks come through the same queue (see <see cref="CloseIdleStations"/>), so only the
/// loop holding the shard touches its sessions.
/// </summary>
internal sealed partial class IngestWorker(
    int shard,
    string instance,
    CatalogIndex catalog,
    PlayStore plays,
    StationStore stations,
    StationActivity activity,
    IStationRateLimiter limiter,
    TimeProvider time,
    TimeSpan idleClose,
    ILogger logger,
    Metrics.CentralMetrics? metrics,
    Archive.PacketArchive? archive = null,
    IngestQueue? queue = null)
{
    // A station added after its agent's first refused packets (the refusal prompted the operator) is accepted this soon.
    private static readonly TimeSpan UnknownStationRecheck = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxClockAhead = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StoreDownRecheck = TimeSpan.FromSeconds(5);

    // Past this many remembered unknown ids, the expired ones are forgotten.
    private const int UnknownRememberedPrune = 1024;

    private readonly Dictionary<string, StationSession> _sessions = new(StringComparer.Ordinal);

    // Streams a station has since replaced, with the last sequence number matched of each: a late redelivery of one
    // (a number already matched) never takes the station back, however long the live stream has been quiet, while an
    // agent that really is still sending (numbers past it) can. Bounded per station; forgotten with the station.
    private readonly Dictionary<string, Queue<(long StreamStart, ulong Highest)>> _superseded = new(StringComparer.Ordinal);
    private const int SupersededPerStation = 16;
    private long _sessionsStarted;
    private readonly Dictionary<string, DateTimeOffset> _unknownUntil = new(StringComparer.Ordinal);
    private Matcher? _matcher;
    private bool _storeDownLogged;
    private DateTimeOffset _storeDownUntil;

    public async ValueTask ProcessAsync(InboundPacket inbound)
    {
        try
        {
            if (Admit(inbound) is not var (session, packet))
            {
                return;
            }

            var verdict = await limiter.CheckAsync(session.Station, packet.Peaks.Length, packet.Support.Length).ConfigureAwait(false);
            if (verdict == RateLimitVerdict.Allowed)
            {
                Accept(session, packet, inbound);
            }
            else
            {
                Drop(session.Station, verdict);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug or a storage failure for one packet must not end ingest for every station.
            LogProcessingFailed(logger, ex, inbound.ClientStation);
        }
    }

    /// <summary>The packet's session when the packet is well formed, from this station, new and inside its stream; else null.</summary>
    private (StationSession Session, FingerprintPacket Packet)? Admit(InboundPacket inbound)
    {
        var station = inbound.ClientStation;
        if (!FingerprintPacket.TryDecode(inbound.Payload, out var packet, out var error))
        {
            Reject(station, RejectReasons.Malformed, error);
            return null;
        }

        if (packet.StationId != inbound.TopicStation || packet.StationId != station)
        {
            Reject(station, RejectReasons.StationMismatch, $"packet station '{packet.StationId}' does not match the publishing station");
            return null;
        }

        if (packet.AlgorithmVersion != FingerprintSettings.AlgorithmVersion)
        {
            Reject(station, RejectReasons.AlgorithmVersion, $"algorithm version {packet.AlgorithmVersion}, central runs {FingerprintSettings.AlgorithmVersion}");
            return null;
        }

        // A stream cannot have started far ahead of central's clock: one claiming to (a wrong clock, a mistyped replay
        // start time) would take the station over and make its real stream look older. Later packets of a recording
        // replayed faster than real time may run ahead; its start may not.
        var streamStart = DateTimeOffset.UnixEpoch.AddTicks(packet.StreamStartUnixMicros * 10);
        if (streamStart > time.GetUtcNow() + MaxClockAhead)
        {
            Reject(station, RejectReasons.ClockAhead, $"stream start {streamStart:O} is more than {MaxClockAhead.TotalMinutes:0} minutes ahead of central's clock");
            return null;
        }

        if (!catalog.IsLoaded)
        {
            Reject(station, RejectReasons.IndexNotLoaded, "central's fingerprint index is not loaded yet");
            return null;
        }

        StationSession? replaced = null;
        if (_sessions.TryGetValue(station, out var current) && current.StreamStartUnixMicros != packet.StreamStartUnixMicros)
        {
            if (!IsNewStream(current, packet))
            {
                // A late redelivery from a stream the agent has since restarted, or a second agent using this station's
                // key: either way not the stream being matched.
                activity.Duplicate(station);
                if (!current.OlderStreamSeen)
                {
                    current.OlderStreamSeen = true;
                    LogOlderStream(logger, station, packet.CaptureStart);
                }

                return null;
            }

            // The agent restarted (frames count from zero again) or was reinstalled (so were its sequence numbers):
            // this stream gets a session of its own, which carries on or closes what the old one left ongoing.
            _sessions.Remove(station);
            Supersede(station, current.StreamStartUnixMicros, current.HighestSequence ?? 0);
            replaced = current;
            LogNewStream(logger, station, packet.CaptureStart);
        }

        if (!_sessions.TryGetValue(station, out var session))
        {
            // An external broker's ACL should already stop strangers; central does not rely on it.
            if (!IsRegistered(station))
            {
                if (replaced is not null)
                {
                    // Removed while its agent restarted: nothing will carry the old stream's plays on.
                    CloseAll(replaced);
                }

                Reject(station, RejectReasons.UnknownStation, $"station '{station}' is not registered at central (removed, or never added)");
                return null;
            }

            // Session names key the plays they write, so a name is never given twice (a removed station's session
            // is forgotten; one that returns gets a new name).
            session = new StationSession(station, $"{station}/{instance}-{shard}-{_sessionsStarted++}", packet, catalog, SharedMatcher(catalog), time.GetTimestamp());
            _sessions[station] = session;
            metrics?.Session(replaced is null ? "new" : "restart");
            if (replaced is not null)
            {
                TakeOver(session, replaced);
            }

            LookUpOrphans(session);
        }
        else if (!ReferenceEquals(session.Index, catalog.Index))
        {
            // A catalogue change: the stream and its plays carry on, new windows match against the new index.
            session.UseIndex(catalog, SharedMatcher(catalog));
        }

        if (session.Orphans is { IsCompleted: true } orphans)
        {
            InheritOrphans(session, orphans);
        }

        // Redelivery (QoS 1, spool replay) repeats sequences: only packets past the highest seen advance the stream.
        if (session.HighestSequence is { } highest && packet.Sequence <= highest)
        {
            activity.Duplicate(station);
            return null;
        }

        if (packet.StartFrame < session.BaseFrame || packet.StartFrame + packet.FrameCount - session.BaseFrame > int.MaxValue)
        {
            Reject(station, RejectReasons.OutsideSession, "packet frames are outside this station session");
            return null;
        }

        return (session, packet);
    }

    private void Drop(string station, RateLimitVerdict verdict)
    {
        var reason = verdict switch
        {
            RateLimitVerdict.PacketsPerMinute => DropReasons.PacketsPerMinute,
            RateLimitVerdict.PeaksPerSecond => DropReasons.PeaksPerSecond,
            _ => DropReasons.SupportPeaksPerSecond,
        };
        if (activity.Dropped(station, reason))
        {
            LogRateLimited(logger, station, reason);
        }
    }

    private void Accept(StationSession session, FingerprintPacket packet, InboundPacket inbound)
    {
        var station = session.Station;
        var packetStart = packet.StartFrame - session.BaseFrame;
        if (session.FramesSeen is { } seen && packetStart - seen > ResumeGapFrames && session.Orphans is null)
        {
            // A gap in the station's audio: that stretch went elsewhere (the station moved to another instance and
            // back), and that instance's session may have written plays this one must carry on or close. (A backlog
            // here delays packets but leaves no gap, so it never triggers this.)
            LookUpOrphans(session);
        }

        var framesBefore = session.FramesSeen;
        session.HighestSequence = packet.Sequence;
        session.FramesSeen = packetStart + packet.FrameCount;
        archive?.Add(station, packet.CaptureStart, inbound.Payload);
        session.Accepted(time.GetTimestamp());
        activity.PacketAccepted(station);
        var changes = new List<PlayRecord>();
        var matchStarted = time.GetTimestamp();
        void OnWindow(WindowResult window)
        {
            foreach (var play in session.Tracker.Observe(window))
            {
                changes.AddRange(session.ToRecords(play));
            }
        }

        // Behind its stations, the instance sheds the early decisions between songs to catch up (StreamMatcher.EarlyDecisions).
        var behind = queue?.IsBehind ?? false;
        session.Matcher.EarlyDecisions = !behind;
        if (behind)
        {
            metrics?.EarlyDecisionsShed();
        }

        SessionFeed.Append(session.Matcher, session.Tracker, packet, session.BaseFrame, framesBefore, OnWindow);
        metrics?.MatchDuration("stream", time.GetElapsedTime(matchStarted));
        metrics?.IngestLag(time.GetUtcNow() - packet.CaptureEnd);
        if (changes.Count > 0)
        {
            plays.Upsert(changes);
            metrics?.PlaysWritten(changes);
            foreach (var change in changes.Where(session.IsNews))
            {
                LogPlay(logger, station, change.Track, change.Status, change.Start);
            }
        }
    }

    // A restarted or reinstalled agent's stream is younger (its sequence numbers go on, or start again with a new spool):
    // it takes over at once. An older stream takes over once the current one has gone quiet, whatever its sequence
    // numbers (an agent restarted with its clock set back, or a reinstalled one replaying an earlier day from a new
    // spool); while the current one is live, two agents sending as one station do not take turns. A stream that was
    // matched before and comes again writes onto the plays it left (see the play stores), not new ones. A redelivered
    // packet of a stream already replaced never takes over, younger or older.
    private bool IsNewStream(StationSession session, FingerprintPacket packet) =>
        !IsRedelivery(session.Station, packet)
        && (packet.StreamStartUnixMicros > session.StreamStartUnixMicros || time.GetElapsedTime(session.LastAccepted) >= StreamTakeoverSilence);

    private bool IsRedelivery(string station, FingerprintPacket packet) =>
        _superseded.TryGetValue(station, out var old)
        && old.Any(s => s.StreamStart == packet.StreamStartUnixMicros && packet.Sequence <= s.Highest);

    private void Supersede(string station, long streamStart, ulong highest)
    {
        if (!_superseded.TryGetValue(station, out var old))
        {
            _superseded[station] = old = new Queue<(long, ulong)>();
        }

        old.Enqueue((streamStart, highest));
        if (old.Count > SupersededPerStation)
        {
            old.Dequeue();
        }
    }

    internal static readonly TimeSpan StreamTakeoverSilence = TimeSpan.FromSeconds(10);

    // A stream continuing after more than this much missing audio looks for plays other sessions wrote meanwhile.
    private static readonly long ResumeGapFrames = FingerprintSettings.SecondsToFrame(10);

    /// <summary>
    /// Plays another session left ongoing (this or another instance stopped mid-play, or the station moved here, or
    /// moved away and came back) are written closed at their last evidence now, so none stays ongoing for ever; a
    /// play of the same track that this session finds continuing one of them is written under its key, one airing
    /// in one row. Runs when a session starts and when its audio resumes after a gap.
    /// The lookup runs off the ingest thread and is never waited for: a database that is slow or down must not stall a
    /// shard, least of all when thousands of stations start sessions at once. Its answer is taken at a later
    /// packet; a session needs a window (4 s) before it reports a play anyway, and what it wrote before a late answer
    /// is reconciled then.
    /// </summary>
    private void LookUpOrphans(StationSession session)
    {
        if (plays.State.Healthy)
        {
            var station = session.Station;
            session.Orphans = Task.Run(() => plays.Ongoing(station));
        }
    }

    /// <summary>
    /// Hands the plays a replaced session (the agent's previous stream) has open to the new one, from memory: its last
    /// rows may still be on their way to the database, where the lookup of earlier sessions' plays would miss them.
    /// </summary>
    private void TakeOver(StationSession session, StationSession replaced)
    {
        var left = replaced.Tracker.Ongoing.SelectMany(replaced.ToRecords).ToList();
        var rows = session.Inherit(left);
        if (rows.Count > 0)
        {
            plays.Upsert(rows);
            metrics?.PlaysWritten(rows);
        }
    }

    /// <summary>The station's lookup of plays left ongoing by earlier sessions, while its answer is not taken.</summary>
    internal Task? PendingOrphanLookup(string station) => _sessions.GetValueOrDefault(station)?.Orphans;

    private void InheritOrphans(StationSession session, Task<IReadOnlyList<PlayRecord>> lookup)
    {
        session.Orphans = null;
        if (!lookup.IsCompletedSuccessfully)
        {
            // The play writer buffers and retries; a store that is down now only costs the adoption.
            LogOrphansUnavailable(logger, session.Station, lookup.Exception?.GetBaseException());
            return;
        }

        var rows = session.Inherit(lookup.Result);
        if (rows.Count > 0)
        {
            plays.Upsert(rows);
            metrics?.PlaysWritten(rows);
            LogOrphansClosed(logger, session.Station, rows.Count);
        }
    }

    /// <summary>
    /// Writes the ongoing plays of every station silent for the idle period as closed, ending at their last evidence,
    /// once per silence. The trackers keep those plays open: when the stream resumes with the same audio (a spool
    /// replay after an outage), the next update of a play carries the same row on and reopens it. A station silent for
    /// <see cref="ForgetAfter"/> is forgotten, so stations that come and go do not add up in memory; if it returns, it
    /// starts a new session.
    /// </summary>
    public void CloseIdleStations()
    {
        try
        {
            List<PlayRecord>? closed = null;
            List<string>? forgotten = null;
            foreach (var session in _sessions.Values)
            {
                var silentFor = time.GetElapsedTime(session.LastAccepted);
                if (session.IdleClosed && silentFor >= ForgetAfter)
                {
                    (forgotten ??= []).Add(session.Station);
                    continue;
                }

                if (session.IdleClosed || silentFor < idleClose)
                {
                    continue;
                }

                session.IdleClosed = true;
                session.Matcher.ReleaseVotes();
                var count = CloseOngoing(session, ref closed);
                if (count > 0)
                {
                    LogIdleClosed(logger, session.Station, count, idleClose.TotalSeconds);
                }
            }

            if (closed is not null)
            {
                plays.Upsert(closed);
                metrics?.PlaysWritten(closed);
                metrics?.PlaysIdleClosed(closed.Count);
            }

            foreach (var station in forgotten ?? [])
            {
                _sessions.Remove(station);
                _superseded.Remove(station);
                metrics?.Session("forgotten");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogIdleCheckFailed(logger, ex);
        }
    }

    /// <summary>How long a silent station's session is kept for its stream to resume with the same plays.</summary>
    internal static TimeSpan ForgetAfter { get; } = TimeSpan.FromDays(1);

    /// <summary>
    /// Ends a removed station's session: its ongoing plays are written closed at their last evidence and its stream
    /// state is dropped; its next packet finds no session and no registration, and is refused as an unknown station.
    /// </summary>
    public void Revoke(string station)
    {
        try
        {
            if (!_sessions.Remove(station, out var session))
            {
                return;
            }

            var count = CloseAll(session);
            metrics?.Session("revoked");
            LogRevoked(logger, station, count);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRevokeFailed(logger, ex, station);
        }
    }

    // Writes the session's ongoing plays closed at their last evidence; returns how many.
    private int CloseAll(StationSession session)
    {
        List<PlayRecord>? closed = null;
        var count = CloseOngoing(session, ref closed);
        if (closed is not null)
        {
            plays.Upsert(closed);
            metrics?.PlaysWritten(closed);
        }

        return count;
    }

    private static int CloseOngoing(StationSession session, ref List<PlayRecord>? closed)
    {
        var count = 0;
        foreach (var play in session.Tracker.Ongoing)
        {
            foreach (var row in session.ToRecords(play with { Status = PlayStatus.Closed }))
            {
                // Counted as news so that a play resuming after an idle close is logged as ongoing again.
                session.IsNews(row);
                (closed ??= []).Add(row);
            }

            count++;
        }

        return count;
    }

    private void Reject(string station, string reason, string detail)
    {
        if (activity.PacketRejected(station, reason, detail))
        {
            LogRejected(logger, station, detail);
        }
    }

    private bool IsRegistered(string station)
    {
        var now = time.GetUtcNow();
        if (_unknownUntil.TryGetValue(station, out var until) && until > now)
        {
            return false;
        }

        // While the store is down, a query per new session could block this shard for a connection timeout:
        // it is asked again only every few seconds.
        bool? exists = null;
        if (now >= _storeDownUntil)
        {
            try
            {
                exists = stations.Exists(station);
            }
            catch (Exception ex) when (StorageErrors.IsTransient(ex))
            {
                _storeDownUntil = now + StoreDownRecheck;
                if (!_storeDownLogged)
                {
                    _storeDownLogged = true;
                    LogStationCheckUnavailable(logger, station, ex);
                }
            }
        }

        if (exists is null)
        {
            // The database is down. Every path here authenticated the station already (the broker, or the key over
            // HTTP), so a station the last station read listed, or any when there was none yet (central started during
            // the outage), keeps its plays; only one known to be missing is refused. Revocations resume with the store.
            if (stations.ListedAtLastRead(station) ?? true)
            {
                return true;
            }

            RememberUnknown(station, now);
            return false;
        }

        _storeDownLogged = false;
        if (exists.Value)
        {
            _unknownUntil.Remove(station);
            return true;
        }

        RememberUnknown(station, now);
        return false;
    }

    /// <summary>Unknown station ids remembered as refused (for tests of its bound).</summary>
    internal int UnknownRemembered => _unknownUntil.Count;

    // Refusals are remembered briefly so a stranger's stream costs no database read per packet; ids that stopped
    // sending are forgotten, so the memo holds only the strangers of the last few seconds.
    private void RememberUnknown(string station, DateTimeOffset now)
    {
        if (_unknownUntil.Count >= UnknownRememberedPrune)
        {
            foreach (var expired in _unknownUntil.Where(u => u.Value <= now).Select(u => u.Key).ToList())
            {
                _unknownUntil.Remove(expired);
            }
        }

        _unknownUntil[station] = now + UnknownStationRecheck;
    }

    /// <summary>
    /// One matcher for every station of the shard: the loop holding the shard is its only caller, and a matcher's vote
    /// buffers are megabytes, which per station would dominate memory at thousands of stations.
    /// </summary>
    private Matcher SharedMatcher(CatalogIndex catalog)
    {
        if (_matcher is null || !ReferenceEquals(_matcher.Index, catalog.Index))
        {
            _matcher = new Matcher(catalog.Index);
        }

        return _matcher;
    }
}
