using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Shared.Plays;

/// <summary>
/// Turns window matches from one stream into plays: consecutive detections of the same track at a consistent
/// position grow one play, gaps up to <see cref="PlayTrackerOptions.GapBridgeFrames"/> are bridged, and a play
/// closes when its evidence stops or another track has clearly taken over. Streaming: feed windows in order.
/// </summary>
public sealed class PlayTracker
{
    private readonly PlayTrackerOptions _options;
    private readonly List<OpenPlay> _open = [];
    private readonly List<OpenPlay> _recentlyClosed = [];
    private readonly List<(long From, long To)> _missing = [];
    private long _nextId = 1;

    // A stream outage longer than this ends the plays it interrupts, whatever comes after it.
    private static readonly long MaxMissingBridge = FingerprintSettings.SecondsToFrame(300);

    public PlayTracker(PlayTrackerOptions? options = null)
    {
        _options = options ?? PlayTrackerOptions.Default;
    }

    /// <summary>Plays currently open, confirmed and not the shadow of a stronger one.</summary>
    public IEnumerable<Play> Ongoing => _open.Where(p => IsConfirmed(p) && !IsShadowed(p, closing: false)).Select(p => p.ToPlay(PlayStatus.Ongoing));

    /// <summary>
    /// Applies one window; returns plays that started, changed or closed (closed ones last, with final times).
    /// </summary>
    public IReadOnlyList<Play> Observe(WindowResult window)
    {
        var changes = new List<Play>();
        if (window.Confirms)
        {
            Confirm(window, changes);
            return changes;
        }

        // A play silent for longer than the gap bridge is over before this window's matches are read: what comes next is
        // judged as resuming it, not as going on.
        CloseStale(window, changes, silentOnly: true);
        foreach (var match in window.Matches)
        {
            // An airing at the match's own position first: right after a song airs again from its top, the earlier
            // airing is still open and would take the new one's windows.
            var play = _open.Find(p => p.IsAt(match, _options.AlignmentToleranceFrames))
                ?? _open.Find(p => p.Continues(match, _options.AlignmentToleranceFrames));
            if (match.Confidence <= 0)
            {
                // Evidence without a confidence of its own (a song fading out): it only carries an open play on.
                play?.Carry(match, window.EndFrame);
                continue;
            }

            play ??= Resume(match);
            if (play is null)
            {
                // An early decision's match below a single window's bar opens the airing without counting as a window: only the
                // check on the peaks after it shows it, and only regular windows make it a play.
                var provisional = window.Early && match.Score < _options.SingleWindowScore;
                play = new OpenPlay(_nextId++, match, _options.MinPeakConfidence, provisional) { FirstWindowEnd = window.EndFrame };
                _open.Add(play);
            }
            else
            {
                // A window at another pass through the song's loop carries the airing on, but its walk back to that
                // alignment's first note lands a loop before the song began: only a window at the airing's position moves
                // its start.
                play.Extend(match, movesStart: play.IsAt(match, _options.AlignmentToleranceFrames), early: window.Early);
            }

            play.LastWindowEnd = window.EndFrame;
            if (ShowsNow(play, window))
            {
                // Shown again after being withdrawn as another play's shadow (a shared intro that play had out-scored it
                // on): it is no longer that play's shadow, so that play can now be found to be its shadow, not stay shown
                // beside it until this airing closes.
                play.ShadowOf = null;
                play.ReportedOngoing = true;
                changes.Add(play.ToPlay(PlayStatus.Ongoing));
            }
        }

        Withdraw(window.EndFrame, changes);
        CloseStale(window, changes, silentOnly: false);
        return changes;
    }

    // A play shown as ongoing is withdrawn at once when another airing now shadows it (a shared intro the other song runs on
    // past), not when its evidence runs out: that took 28-46 s, a wrong song on the station's page all that time. So is one
    // shown on its first window's confirmation alone that the airing's next windows do not bear out: a phrase shared with
    // an unknown piece stayed on the page for 36-40 s.
    private void Withdraw(long windowEnd, List<Play> changes)
    {
        foreach (var play in _open)
        {
            if (!play.ReportedOngoing)
            {
                continue;
            }

            if (IsShadowed(play, closing: false))
            {
                play.ShadowOf = Shadowing(play, closing: false)?.Id;
            }
            else if (Shown(play, windowEnd))
            {
                continue;
            }

            play.ReportedOngoing = false;
            changes.Add(play.ToPlay(PlayStatus.Retracted));
        }
    }

    // Whether a play this window found is to be shown as ongoing.
    private bool ShowsNow(OpenPlay play, WindowResult window) =>
        Shown(play, window.EndFrame) && !IsShadowed(play, closing: false) && !HeldAsShadow(play, window);

    // A play withdrawn as another airing's shadow is a section the two tracks share. Found again while that airing is still
    // matched (even weakly), at another section they share, it is held back: it once out-scored the true song there and
    // showed the wrong one for half a minute, and took the true song's play down with it.
    private bool HeldAsShadow(OpenPlay play, WindowResult window) =>
        play.ShadowOf is { } id && _open.Find(a => a.Id == id) is { } airing
        && window.Matches.Any(m => m.TrackIndex == airing.TrackIndex);

    // Noise or a long talk-over can hide a song for longer than the gap bridge. A song heard again soon after, not from its
    // top, has been playing all along unless another song was found in between: a station does not air a song twice in a
    // minute. Its position need not agree: a loop-based song is often found at another pass through its loop; but heard
    // elsewhere in it where the alignment it was last heard at explains nothing, it was aired again.
    // A match below the play-start bar resumes only at the play's own position: chance rarely lands on the very alignment
    // the song had, and the window that finds a song again as it comes out of the noise is often that weak.
    private OpenPlay? Resume(TrackMatch match)
    {
        var tolerance = _options.AlignmentToleranceFrames;
        var confident = match.Confidence >= _options.MinPeakConfidence;
        // A match whose start was walked back under noise can begin before the closed play's last evidence: what it
        // must do is reach past it.
        var play = _recentlyClosed.Find(p => (p.IsAt(match, tolerance) || (confident && match.EarlierAlignmentExplains != false && p.Continues(match, tolerance)))
            && match.LastMatchFrame > p.EndFrame && match.FirstMatchFrame - p.EndFrame <= _options.ResumeFrames
            && !_open.Concat(_recentlyClosed).Any(other => other.TrackIndex != p.TrackIndex && IsConfirmed(other)
                && other.StartFrame > p.EndFrame && other.StartFrame < match.FirstMatchFrame));
        if (play is not null)
        {
            _recentlyClosed.Remove(play);
            _open.Add(play);
        }

        return play;
    }

    /// <summary>
    /// The stream has no audio for [<paramref name="fromFrame"/>, <paramref name="toFrame"/>) (the source was away: a
    /// reconnect, an outage). Unlike silence on air, that is no evidence a song stopped: a play whose track comes back
    /// at its own position after the gap is one airing, not two. Call before the windows after the gap.
    /// </summary>
    public void MissingAudio(long fromFrame, long toFrame)
    {
        if (toFrame <= fromFrame)
        {
            return;
        }

        _missing.Add((fromFrame, toFrame));
        // Only gaps after the oldest open play's evidence can still matter.
        var oldest = _open.Count == 0 ? fromFrame : _open.Min(p => p.EndFrame);
        _missing.RemoveAll(m => m.To < oldest);
    }

    private long MissingBetween(long from, long to)
    {
        long missing = 0;
        foreach (var (gapFrom, gapTo) in _missing)
        {
            missing += Math.Max(0, Math.Min(to, gapTo) - Math.Max(from, gapFrom));
        }

        return Math.Min(missing, MaxMissingBridge);
    }

    /// <summary>Closes every open play at the end of a finite stream.</summary>
    public IReadOnlyList<Play> Complete()
    {
        var closed = new List<Play>();
        foreach (var play in _open.OrderBy(p => p.EvidenceRate).ToList())
        {
            _open.Remove(play);
            Close(play, closed);
        }

        return closed;
    }

    // New peaks at an open play's own alignment stand in for its second window; they start nothing and close nothing.
    private void Confirm(WindowResult confirmation, List<Play> changes)
    {
        foreach (var match in confirmation.Matches)
        {
            var play = _open.Find(p => p.IsAt(match, _options.AlignmentToleranceFrames));
            if (play is null || IsConfirmed(play))
            {
                continue;
            }

            play.Confirm(match);
            if (ShowsNow(play, confirmation))
            {
                play.ReportedOngoing = true;
                changes.Add(play.ToPlay(PlayStatus.Ongoing));
            }
        }
    }

    private void CloseStale(WindowResult window, List<Play> changes, bool silentOnly)
    {
        for (var i = _open.Count - 1; i >= 0; i--)
        {
            var play = _open[i];
            var silentFor = window.StartFrame - play.EndFrame - MissingBetween(play.EndFrame, window.StartFrame);
            var supplanted = !silentOnly && _open.Exists(other => other != play && IsConfirmed(other)
                && other.TrackIndex != play.TrackIndex && other.StartFrame > play.EndFrame
                && window.StartFrame > play.EndFrame);
            if (silentFor > _options.GapBridgeFrames || (supplanted && play.LastWindowEnd < window.EndFrame))
            {
                _open.RemoveAt(i);
                Close(play, changes);
            }
        }
    }

    private void Close(OpenPlay play, List<Play> changes)
    {
        if (!IsConfirmed(play))
        {
            return;
        }

        if (EarlierPlayOfTheSameAiring(play) is { } airing)
        {
            if (airing.Absorb(play) && _recentlyClosed.Contains(airing))
            {
                changes.Add(airing.ToPlay(PlayStatus.Closed));
            }

            if (play.ReportedOngoing)
            {
                changes.Add(play.ToPlay(PlayStatus.Retracted));
            }

            return;
        }

        if (IsShadowed(play, closing: true))
        {
            if (play.ReportedOngoing)
            {
                changes.Add(play.ToPlay(PlayStatus.Retracted));
            }

            return;
        }

        if (!BorneOut(play))
        {
            if (play.ReportedOngoing)
            {
                changes.Add(play.ToPlay(PlayStatus.Retracted));
            }

            return;
        }

        changes.Add(play.ToPlay(PlayStatus.Closed));
        foreach (var shadow in _recentlyClosed.Where(earlier => IsShadowInHindsight(earlier, play)).ToList())
        {
            _recentlyClosed.Remove(shadow);
            changes.Add(shadow.ToPlay(PlayStatus.Retracted));
        }

        _recentlyClosed.Add(play);
        // Only plays that could still overlap a future close matter.
        _recentlyClosed.RemoveAll(p => p.EndFrame < play.StartFrame - 4 * _options.GapBridgeFrames);
    }

    // A loop-based song matched at a repeat of its intro looks restarted (see OpenPlay.Continues) while its airing goes on:
    // one track cannot air twice at once, so a play overlapping an earlier one of its track is part of that airing.
    // A song segued into itself (aired again from its top as its last airing ends) overlaps that airing too, by no more
    // than a segue, with evidence past the track's end: that is a second airing.
    private OpenPlay? EarlierPlayOfTheSameAiring(OpenPlay play) => _open.Concat(_recentlyClosed).FirstOrDefault(other =>
        other.Id < play.Id && other.TrackIndex == play.TrackIndex && IsConfirmed(other)
        && Math.Min(play.EndFrame, other.EndFrame) - Math.Max(play.StartFrame, other.StartFrame) > CutOverrunFrames
        && !other.RestartsWith(play.StartFrame, play.EndFrame, play.Alignment.TrackFrame(play.StartFrame)));

    private bool IsShadowed(OpenPlay play, bool closing) => EarlierPlayOfTheSameAiring(play) is not null || Shadowing(play, closing) is not null;

    // The airing of another track that this play is a shadow of; a play withdrawn as this one's shadow is none.
    private OpenPlay? Shadowing(OpenPlay play, bool closing)
    {
        var span = play.EndFrame - play.StartFrame;
        foreach (var other in _open.Concat(_recentlyClosed))
        {
            if (other == play || other.TrackIndex == play.TrackIndex || !IsConfirmed(other) || other.ShadowOf == play.Id || IsSection(other, play))
            {
                continue;
            }

            var overlap = Math.Min(play.EndFrame, other.EndFrame) - Math.Max(play.StartFrame, other.StartFrame);
            if (overlap >= _options.ShadowOverlapFrames && overlap >= _options.ShadowFraction * span
                && other.EvidenceRate > play.EvidenceRate)
            {
                return other;
            }

            // A detection (almost) wholly inside a better supported airing of another track is the same audio in
            // two catalogue entries (a shared intro or section), too short for the overlap rule above. While both are
            // open that needs the other to run on clearly past it: a new song coming in under a crossfade is inside
            // the old one's span too, but ends where the old one does, and holding it back cost seconds.
            var runsPast = other.EndFrame - play.EndFrame >= _options.AlignmentToleranceFrames;
            if ((closing || runsPast) && overlap >= span - _options.AlignmentToleranceFrames && other.Evidence > play.Evidence)
            {
                return other;
            }

            // While both are open only a section longer than the gap bridge: a song coming in under the last one's long
            // fade is inside its airing too, for the seconds the two overlap.
            if ((closing || span >= _options.GapBridgeFrames) && IsSection(play, other))
            {
                return other;
            }
        }

        return null;
    }

    // Two songs cannot both sound all through one of them: a play inside an airing of another track that was on air more
    // than a segue before it and found through most of it (if only by the peaks the section's entry left it) is that
    // airing's section, however long and however much stronger; the airing is never the section's shadow.
    private bool IsSection(OpenPlay section, OpenPlay airing)
    {
        var span = section.EndFrame - section.StartFrame;
        var overlap = Math.Min(section.EndFrame, airing.EndFrame) - Math.Max(section.StartFrame, airing.StartFrame);
        return overlap >= span - _options.AlignmentToleranceFrames && airing.StartFrame < section.StartFrame - SegueFrames
            && 2 * airing.EvidenceWithin(section.StartFrame, section.EndFrame) >= span;
    }

    // A section two catalogue entries share can out-score the airing around it while it plays, so its play closes while
    // the airing's evidence is still smaller. Once the airing has closed around it, with evidence of its own through
    // most of it (not bridged over it), the section's play was a shadow after all, and is withdrawn. Around it means from
    // before it began, or, by the airing's alignment, with its track under way then: under noise a quiet intro can hide
    // an airing's first seconds, and the shared section was what was found of them.
    private bool IsShadowInHindsight(OpenPlay earlier, OpenPlay airing)
    {
        var span = earlier.EndFrame - earlier.StartFrame;
        return earlier.TrackIndex != airing.TrackIndex
            && (earlier.StartFrame >= airing.StartFrame - _options.AlignmentToleranceFrames || airing.UnderWayAt(earlier.StartFrame))
            && airing.EndFrame - earlier.EndFrame >= _options.AlignmentToleranceFrames
            && airing.Evidence > earlier.Evidence
            && 2 * airing.EvidenceWithin(earlier.StartFrame, earlier.EndFrame) >= span;
    }

    // The peaks after a first window confirm it soon enough to show the play while it goes on; what stands as a play needs
    // two confident windows that put the airing at one place on the track, or one far above chance. On the benchmark sets
    // every airing has three such windows or more; a 15 s phrase one unknown piece shares with a catalogue track had one
    // window at z 8 and its confirmation, or (at other window phases) confident windows each at another place.
    private bool BorneOut(OpenPlay play) =>
        play.AgreeingConfidentWindows(_options.AlignmentToleranceFrames, _options.MinWindows) >= _options.MinWindows
        || play.Score >= _options.SingleWindowScore;

    // Shown while it goes on: confirmed, and borne out or still within two steps of its first window.
    private bool Shown(OpenPlay play, long windowEnd) =>
        IsConfirmed(play) && (BorneOut(play) || windowEnd - play.FirstWindowEnd < BorneOutWithinFrames);

    private static readonly int BorneOutWithinFrames = FingerprintSettings.SecondsToFrame(8);

    private bool IsConfirmed(OpenPlay play) =>
        (play.Windows >= _options.MinWindows || play.Score >= _options.SingleWindowScore || play.ConfirmedByNewPeaks)
        && play.Confidence >= _options.MinPeakConfidence && play.EndFrame - play.StartFrame >= _options.MinDurationFrames;

    private static readonly int RestartFrames = FingerprintSettings.SecondsToFrame(10);

    // A song aired again from part-way in comes back this far before where its last airing was on the track, or further.
    private static readonly int JumpBackFrames = FingerprintSettings.SecondsToFrame(30);

    // Radio segues overlap two songs by up to about 6 s. Evidence this far past where an airing's track ends (more than
    // its alignment's and the peaks' tolerances) is not that airing's.
    private static readonly int SegueFrames = FingerprintSettings.SecondsToFrame(6);
    private static readonly int PastTrackEndFrames = FingerprintSettings.SecondsToFrame(0.5);

    // A song cut short and aired again from its top at once: the cut airing's last evidence can run a few frames past the
    // cut, over the first peaks of the new airing.
    private static readonly int CutOverrunFrames = FingerprintSettings.SecondsToFrame(0.5);

    private sealed class OpenPlay(long id, TrackMatch first, double confident, bool provisional)
    {
        // Where the play starts comes from confident windows (and the walks back from their alignments) once there is
        // one: a window just above acceptance can owe part of its extent to chance at a drifting speed, seconds into the
        // audio before the song.
        private long _start = first.FirstMatchFrame;
        private long? _confidentStart = first.Confidence >= confident && !provisional ? first.FirstMatchFrame : null;
        private double _speedWeight = first.MatchedPeaks;
        private double _speedSum = first.Speed * first.MatchedPeaks;
        private double _evidence = provisional ? 0 : first.MatchedPeaks;
        private readonly List<(long From, long To)> _witnessed = [(first.FirstMatchFrame, first.LastMatchFrame)];
        private readonly int _trackEnd = first.TrackEndFrame;

        // Where on the track the airing is, as its windows at their own position place it. The latest window's alignment
        // (Alignment) can be another pass through the song's loop: read against a pass near the track's end, the airing's
        // own intro heard next looked like the song aired again from its top.
        private Alignment _position = first.Alignment;

        public long Id { get; } = id;

        public int TrackIndex { get; } = first.TrackIndex;

        public string TrackId { get; } = first.TrackId;

        public long StartFrame => _confidentStart ?? _start;

        public long EndFrame { get; private set; } = first.LastMatchFrame;

        public double Confidence { get; private set; } = first.Confidence;

        public double Score { get; private set; } = first.Score;

        public Alignment Alignment { get; private set; } = first.Alignment;

        public int Windows { get; private set; } = provisional ? 0 : 1;

        // Where each window at least as confident as a play's start needs put the airing on the track.
        private readonly List<Alignment> _confidentAt = first.Confidence >= confident && !provisional ? [first.Alignment] : [];
        private int _agreeing;

        /// <summary>
        /// The most confident windows that put the airing at one place on the track (within <paramref name="tolerance"/>),
        /// counted until there are <paramref name="enough"/>: a phrase two pieces share is found at a different place in
        /// each pass.
        /// </summary>
        public int AgreeingConfidentWindows(int tolerance, int enough)
        {
            if (_agreeing < enough)
            {
                var at = EndFrame;
                _agreeing = _confidentAt.Count == 0 ? 0 : _confidentAt.Max(a => _confidentAt.Count(b => Math.Abs(a.TrackFrame(at) - b.TrackFrame(at)) <= tolerance));
            }

            return _agreeing;
        }

        public long LastWindowEnd { get; set; }

        /// <summary>End of the window that opened the play.</summary>
        public long FirstWindowEnd { get; init; }

        public bool ReportedOngoing { get; set; }

        /// <summary>The airing this play was withdrawn as a shadow of, if it was.</summary>
        public long? ShadowOf { get; set; }

        /// <summary>Confirmed peaks over all windows.</summary>
        public double Evidence => _evidence;

        /// <summary>Confirmed peaks per window: how strongly this track explains the audio.</summary>
        public double EvidenceRate => Windows == 0 ? 0 : _evidence / Windows;

        /// <summary>
        /// Same track while the play is open is the same airing, even at another position: songs repeat loops
        /// and choruses. Only a jump back to the very start after the play's evidence ended is a new airing.
        /// </summary>
        public bool Continues(TrackMatch match, int tolerance)
        {
            if (match.TrackIndex != TrackIndex)
            {
                return false;
            }

            var consistent = IsAt(match, tolerance);
            var fromTheTop = match.Alignment.TrackFrame(match.FirstMatchFrame);
            // Cut short and aired again at once, the airing's windows found it at its own position up to the cut; a loop-based
            // song read at another pass of its loop has no such edge. The airing, had it gone on (under a presenter, say),
            // would be well past its top by now. Aired again from part-way in, the jump back is no loop pass only once the
            // airing's track is over (within a segue).
            var overrun = Alignment == _position ? CutOverrunFrames : 0;
            var restarted = (match.FirstMatchFrame > EndFrame - overrun && Alignment.TrackFrame(match.FirstMatchFrame) > 3 * RestartFrames
                    && (fromTheTop < RestartFrames || (fromTheTop < Alignment.TrackFrame(match.FirstMatchFrame) - JumpBackFrames && EndsBy(match.LastMatchFrame + SegueFrames))))
                || RestartsWith(match.FirstMatchFrame, match.LastMatchFrame, fromTheTop);
            return consistent || match.LoopPass || !restarted;
        }

        /// <summary>
        /// Evidence of this track from near its top, or from well before where this airing is on it, beginning at most a
        /// segue before this airing's last evidence (and more than a segue after its start) and reaching past where this
        /// airing's track ends: the song aired again, segued into itself (from its top, or from part-way in). An airing whose
        /// first windows matched a loop pass near the track's end sees its own top that way.
        /// </summary>
        public bool RestartsWith(long first, long last, double firstTrackFrame) =>
            (firstTrackFrame < RestartFrames || firstTrackFrame < _position.TrackFrame(first) - JumpBackFrames)
            && first > EndFrame - SegueFrames && first > StartFrame + SegueFrames && EndsBy(last - PastTrackEndFrames);

        // Whether this airing's track, where its windows place it, is over by then.
        private bool EndsBy(long frame) => _trackEnd > 0 && _position.QueryFrame(_trackEnd) < frame;

        /// <summary>
        /// Whether the airing's own alignment puts its track at or past its top at <paramref name="frame"/>: its start
        /// can be found late (a quiet intro under noise) while its track was already on air.
        /// </summary>
        public bool UnderWayAt(long frame) => _position.TrackFrame(frame) >= 0;

        /// <summary>Same track at the same position on the track's timeline.</summary>
        public bool IsAt(TrackMatch match, int tolerance) => match.TrackIndex == TrackIndex
            && Math.Abs(Alignment.TrackFrame(match.FirstMatchFrame) - match.Alignment.TrackFrame(match.FirstMatchFrame)) <= tolerance;

        /// <summary>Frames of [<paramref name="from"/>, <paramref name="to"/>) its windows found evidence in.</summary>
        public long EvidenceWithin(long from, long to) =>
            _witnessed.Sum(w => Math.Max(0, Math.Min(to, w.To) - Math.Max(from, w.From)));

        private void Witness(TrackMatch match) => Witness(match.FirstMatchFrame, match.LastMatchFrame);

        private void Witness(long from, long to)
        {
            // Windows overlap, so the spans stay few: merge every span this one touches.
            for (var i = _witnessed.Count - 1; i >= 0; i--)
            {
                var span = _witnessed[i];
                if (span.From <= to && from <= span.To)
                {
                    (from, to) = (Math.Min(from, span.From), Math.Max(to, span.To));
                    _witnessed.RemoveAt(i);
                }
            }

            _witnessed.Add((from, to));
        }

        /// <summary>
        /// Carries the airing on with a window's match. An early decision's window is the regular one's audio decided sooner
        /// (and, between songs, decided every second): it moves the airing's span, score and alignment but adds no window or
        /// evidence, which shadow decisions compare per window.
        /// </summary>
        public void Extend(TrackMatch match, bool movesStart, bool early)
        {
            Witness(match);
            if (movesStart)
            {
                _start = Math.Min(_start, match.FirstMatchFrame);
                if (match.Confidence >= confident)
                {
                    _confidentStart = Math.Min(_confidentStart ?? long.MaxValue, match.FirstMatchFrame);
                }

                _position = match.Alignment;
            }

            EndFrame = Math.Max(EndFrame, match.LastMatchFrame);
            Confidence = Math.Max(Confidence, match.Confidence);
            Score = Math.Max(Score, match.Score);
            Alignment = match.Alignment;
            if (early)
            {
                return;
            }

            _speedSum += match.Speed * match.MatchedPeaks;
            _speedWeight += match.MatchedPeaks;
            _evidence += match.MatchedPeaks;
            Windows++;
            if (match.Confidence >= confident)
            {
                _confidentAt.Add(match.Alignment);
            }
        }

        /// <summary>Its first window was confirmed by the peaks after it (see <see cref="WindowResult.Confirms"/>).</summary>
        public bool ConfirmedByNewPeaks { get; private set; }

        // Evidence and window count stay those of real windows: shadow decisions compare evidence per window.
        public void Confirm(TrackMatch match)
        {
            ConfirmedByNewPeaks = true;
            Witness(match);
            EndFrame = Math.Max(EndFrame, match.LastMatchFrame);
        }

        /// <summary>Takes in another play of its airing; true when its own span grew.</summary>
        public bool Absorb(OpenPlay other)
        {
            var (start, end) = (StartFrame, EndFrame);
            _start = Math.Min(_start, other._start);
            if (other._confidentStart is { } confidentStart)
            {
                _confidentStart = Math.Min(_confidentStart ?? long.MaxValue, confidentStart);
            }

            EndFrame = Math.Max(EndFrame, other.EndFrame);
            Confidence = Math.Max(Confidence, other.Confidence);
            Score = Math.Max(Score, other.Score);
            _speedSum += other._speedSum;
            _speedWeight += other._speedWeight;
            _evidence += other._evidence;
            Windows += other.Windows;
            _confidentAt.AddRange(other._confidentAt);
            foreach (var (from, to) in other._witnessed)
            {
                Witness(from, to);
            }

            return (start, end) != (StartFrame, EndFrame);
        }

        public void Carry(TrackMatch match, long windowEnd)
        {
            Witness(match);
            EndFrame = Math.Max(EndFrame, match.LastMatchFrame);
            LastWindowEnd = windowEnd;
        }

        public Play ToPlay(PlayStatus status) =>
            new(Id, TrackIndex, TrackId, StartFrame, EndFrame, Confidence, _speedSum / _speedWeight, Alignment, status);
    }
}
