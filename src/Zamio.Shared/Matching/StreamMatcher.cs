using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Shared.Matching;

/// <summary>
/// Matches a continuous stream of peaks: every <see cref="StepFrames"/> it matches the last
/// <see cref="WindowFrames"/> and hands accepted matches to the caller. Each step's anchors are hashed and
/// looked up once and their votes kept, so a window costs one new block of lookups (plus its lookahead), not a
/// whole window.
/// One instance per stream; it keeps only a window of peaks and votes, so it runs live (packet by packet) as
/// well as offline.
/// </summary>
public sealed class StreamMatcher
{
    public static readonly int WindowFrames = FingerprintSettings.SecondsToFrame(8);
    public static readonly int StepFrames = FingerprintSettings.SecondsToFrame(4);
    private static readonly int BlocksPerWindow = WindowFrames / StepFrames;

    // Triplets reach this far ahead of their anchor; a block is voted only once its targets are complete.
    private static readonly int Lookahead = PairHasher.MaxDt + 2;

    /// <summary>Peaks of frame t are final only once frame t + TimeRadius has been analysed.</summary>
    public static int PeakDelayFrames { get; } = PeakPicker.TimeRadius + 1;

    /// <summary>Frames past a window's end that must be analysed before the window is matched.</summary>
    public static int DecisionDelayFrames { get; } = Lookahead + PeakDelayFrames;

    // An airing's first window is checked again on the peaks after it at the alignment it found: no hashing, so no
    // lookahead to wait for, and those peaks are new evidence. The check is scored against the track's decoys too. It
    // takes the peaks that are final 2 s after the window's end, where the window's own decision needs peaks up to
    // 1.8 s: live, both come with the same 2 s packet, so the check no longer waits for the next one.
    private static readonly int ConfirmFrames = FingerprintSettings.SecondsToFrame(2) - PeakDelayFrames;
    private const double ConfirmMinZ = 4.0;
    private const int ConfirmMinMatched = 5;
    private readonly List<TrackMatch> _toConfirm = [];
    private long _confirmEnd = long.MaxValue;

    // Vote offsets are relative to an epoch; it moves on after a day so offsets stay within the vote key range.
    private static readonly long EpochSpan = FingerprintSettings.SecondsToFrame(24 * 3600);

    // Known alignments are checked this far back for a start masked by talk-over, in chunks that must each
    // show evidence (z) so chance hits in speech cannot walk the start backwards. Under a presenter and 10 dB of
    // noise a song can be named 45 s after it began (30 s cut such starts short at some window phases).
    private static readonly int ExtendFrames = FingerprintSettings.SecondsToFrame(45);
    private static readonly int ChunkFrames = FingerprintSettings.SecondsToFrame(2);
    private const double ChunkMinZ = 3.0;
    private const double TalkOverMinZ = 2.5;
    private const double TalkOverMinGain = 1.0;

    // A presenter who starts a moment after the song leaves a short clear stretch before the speech buries it: a
    // 1 s island this far above chance (decoys included) at the known alignment is the song's own start.
    private static readonly int IslandFrames = FingerprintSettings.SecondsToFrame(1);
    private static readonly int IslandStepFrames = FingerprintSettings.SecondsToFrame(0.5);
    private const double IslandMinZ = 4.5;
    private const int IslandMinMatched = 6;
    private const int IslandShiftFrames = 2;

    // The first window to find a song often holds only its first seconds, and an alignment fitted on them can be
    // several frames off 10 s away; a later window's is fitted on more.
    private const int IslandSearchWindows = 3;

    // Islands are clear moments just before a presenter began, so they are sought nearer than the walk reaches: each
    // second searched costs a check at several shifts, for every new airing.
    private static readonly int IslandReachFrames = FingerprintSettings.SecondsToFrame(30);
    private readonly Dictionary<int, RunningAiring> _airings = [];

    private Matcher _matcher;
    private readonly List<Peak> _peaks = [];

    // Support peaks, when the stream sends them, decide how far a song reaches under a presenter or the next song.
    private readonly List<Peak> _support = [];
    private readonly SupportWalk _supportWalk = new();
    private bool _withSupport;
    private long _supportFrom;

    // Where each track's landmarks were confirmed in the last windows. Support peaks are weaker evidence than landmarks:
    // a song's start is not walked back under another song whose landmarks were confirmed there earlier than a
    // crossfade can overlap (two pieces in one style can share enough of a pattern to fool the walk for seconds). Radio
    // segues overlap two songs by up to about 6 s; 8 s let a song cut in mid-way walk 7 s into the song before.
    private static readonly int CrossfadeFrames = FingerprintSettings.SecondsToFrame(6);
    // How close to a song's first evidence the song before it must have been heard for the gap to count as its fade-in.
    private static readonly int CrossfadeCoverFrames = FingerprintSettings.SecondsToFrame(1);
    private static readonly int SilenceFrames = FingerprintSettings.SecondsToFrame(0.2);
    private const double AmbiguousShare = 0.5;
    private readonly List<(int Track, long First, long Last)> _heard = [];
    private long _framesAnalysed;
    private readonly BlockVotes[] _blocks = new BlockVotes[BlocksPerWindow];
    private readonly BlockVotes[] _window = new BlockVotes[BlocksPerWindow + 1];
    private readonly BlockVotes _lookahead = new();

    // While a song is identified, new blocks search only the speeds around it; the full grid returns as soon as a window
    // identifies nothing.
    private SpeedFocus _speedFocus;
    private int[] _focus = [];
    private static readonly int FocusGapFrames = FingerprintSettings.SecondsToFrame(1);
    // The first windows are partial: a song that starts with the stream is named after one step, not one window. Windows
    // end a peak delay before each step of the stream clock, so an early decision (below) comes with the packet that
    // completes the step, not with the next one.
    private long _nextWindowEnd = StepFrames - PeakDelayFrames;

    // Between songs (no song of the last window explains the newest 2 s of peaks) a window is also decided as soon as its
    // own peaks are final, without the triplet lookahead (its last block voted with triplets cut at the window's end, not
    // kept): a new song clear enough for one window (z of a single-window play) is named about 2 s sooner. The regular
    // decision follows as before. The early vote searches every speed: the next song can be at another speed than the last
    // (songs sped up one by one), and searching only the last song's speeds left such starts 2-3 s later, the slowest clear
    // starts at 2,000 stations (it costs central 8 % of a core more there). The best vote peaks at the last song's speeds
    // are verified too: a song's first second or two, under the whole grid's chance peaks, can fall out of the best eight
    // (a start under a presenter then waited 1.6 s longer). A stream has no early decisions before it has
    // named a song: at 2,000 stations connecting at once, early votes for every new stream took central to 150-161 % of the
    // two cores against 139-145 % without them.
    private const double EarlyMinScore = 10;
    private long _earlyConsidered = -1;

    // Between songs the early decision is also taken at each second of the step, on the last step's block and the seconds
    // since (a 5, 6 or 7 s window). An agent's 2 s packets (62 frames) drift against the 4 s step (125), so with decisions
    // every half step a packet's decision often ended a second or more before the packet's audio did; now it ends less than
    // a second before, with more of the new song to go on, at the same moment. Each point is rounded down to a whole frame,
    // so it comes with the packet that completes its second, not the one after. A point whose next one's peaks have arrived
    // too (a longer packet, or a backlog) is passed over: the later decision comes at the same moment with more evidence.
    private const int SubSteps = 4;
    private int _subStepsConsidered;

    private long SubStepEnd(int k) => _nextWindowEnd - StepFrames + (long)k * StepFrames / SubSteps;

    private static readonly int GoesOnFrames = FingerprintSettings.SecondsToFrame(2);
    private const double GoesOnMinZ = 3.0;
    private const int GoesOnMinMatched = 3;
    private int[] _lastFocus = [];
    private static readonly int LoopShiftFrames = FingerprintSettings.SecondsToFrame(1);

    // Each track's last accepted match, for a minute: a play closed for want of evidence resumes within that long.
    private static readonly int RecentFrames = FingerprintSettings.SecondsToFrame(60);
    private readonly Dictionary<int, TrackMatch> _lastHeard = [];
    private readonly BlockVotes _earlyBlock = new();
    private readonly BlockVotes[] _earlyWindow = new BlockVotes[2];

    // Matches the previous window accepted; one this window does not accept may still be fading out under noise.
    private List<TrackMatch> _previous = [];
    private long _epoch;

    public StreamMatcher(Matcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        _matcher = matcher;
        _speedFocus = new SpeedFocus(matcher.Speeds);
        for (var i = 0; i < _blocks.Length; i++)
        {
            _blocks[i] = new BlockVotes();
        }
    }

    /// <summary>
    /// Matches the windows completed from now on with <paramref name="matcher"/> (a rebuilt index after a catalogue
    /// change); the stream's buffered peaks and window clock carry over, kept votes are cast again.
    /// </summary>
    public void UseMatcher(Matcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        _matcher = matcher;
        _speedFocus = new SpeedFocus(matcher.Speeds);
        _focus = [];
        _lastFocus = [];
        _previous = [];
        _airings.Clear();
        _heard.Clear();
        _lastHeard.Clear();
        _toConfirm.Clear();
        _confirmEnd = long.MaxValue;
    }

    /// <summary>
    /// Frees the kept votes of a stream gone silent (they are most of its memory); if it resumes, the blocks still needed
    /// are voted again, with the same results.
    /// </summary>
    public void ReleaseVotes()
    {
        foreach (var block in _blocks)
        {
            block.Release();
        }

        _lookahead.Release();
    }

    /// <summary>
    /// Adds peaks (frames non-decreasing) and advances the stream clock to <paramref name="framesAnalysed"/>.
    /// Calls <paramref name="onWindow"/> for every window that became complete, with its accepted matches.
    /// </summary>
    public void Append(ReadOnlySpan<Peak> peaks, long framesAnalysed, Action<WindowResult> onWindow) =>
        Append(peaks, [], framesAnalysed, onWindow, withSupport: false);

    /// <summary>
    /// <see cref="Append(ReadOnlySpan{Peak}, long, Action{WindowResult})"/> for a stream that also sends its support peaks
    /// (<see cref="PeakPicker.ForSupport"/>, frames non-decreasing).
    /// </summary>
    public void Append(ReadOnlySpan<Peak> peaks, ReadOnlySpan<Peak> support, long framesAnalysed, Action<WindowResult> onWindow) =>
        Append(peaks, support, framesAnalysed, onWindow, withSupport: true);

    private void Append(ReadOnlySpan<Peak> peaks, ReadOnlySpan<Peak> support, long framesAnalysed, Action<WindowResult> onWindow, bool withSupport)
    {
        _withSupport = withSupport;
        _framesAnalysed = framesAnalysed;
        _peaks.AddRange(peaks);
        _support.AddRange(support);
        while (true)
        {
            // A confirmation is always due before the next window.
            if (framesAnalysed - PeakDelayFrames >= _confirmEnd)
            {
                Confirm(onWindow);
            }
            else if (_subStepsConsidered < SubSteps - 1 && framesAnalysed >= SubStepEnd(_subStepsConsidered + 1) + PeakDelayFrames)
            {
                var end = SubStepEnd(++_subStepsConsidered);
                if (framesAnalysed < SubStepEnd(_subStepsConsidered + 1) + PeakDelayFrames)
                {
                    EarlyWindow(end, onWindow);
                }
            }
            else if (_earlyConsidered != _nextWindowEnd && framesAnalysed >= _nextWindowEnd + PeakDelayFrames)
            {
                // Once per window: the packets until its regular decision only wait.
                _earlyConsidered = _nextWindowEnd;
                EarlyWindow(_nextWindowEnd, onWindow);
            }
            else if (framesAnalysed >= _nextWindowEnd + DecisionDelayFrames)
            {
                MatchWindow(_nextWindowEnd, onWindow);
                _nextWindowEnd += StepFrames;
                _subStepsConsidered = 0;
            }
            else
            {
                break;
            }
        }
    }

    /// <summary>Matches the final, partial window at the end of a finite stream.</summary>
    public void Complete(long framesAnalysed, Action<WindowResult> onWindow)
    {
        if (framesAnalysed > _nextWindowEnd - StepFrames)
        {
            MatchWindow(Math.Max(_nextWindowEnd, framesAnalysed), onWindow);
            _nextWindowEnd = long.MaxValue;
        }
    }

    private void MatchWindow(long end, Action<WindowResult> onWindow)
    {
        var start = end - WindowFrames;
        if (start - _epoch > EpochSpan)
        {
            _epoch = start;
        }

        var all = CollectionsMarshal.AsSpan(_peaks);
        var to = Peak.FirstAtOrAfter(all, end + Lookahead);
        var matches = VoteAndMatch(all, start, end, to);
        var focus = Focused(matches, end);
        // A window voted around a song off its original speed that it no longer finds to its end is matched again on the
        // whole grid: the song may be giving way to the next one, at another speed, and this is the first window that
        // could name it. (Stations air whole programmes at one speed; a song at its original speed keeps the plain rule.)
        if (_focus.Length > 0 && !_speedFocus.IsOriginal(_focus) && focus.Length == 0)
        {
            _focus = [];
            matches = VoteAndMatch(all, start, end, to);
            focus = Focused(matches, end);
        }

        var accepted = new List<TrackMatch>(matches.Count);
        var forgetBefore = start - ExtendFrames;
        _heard.RemoveAll(h => h.Last < forgetBefore);
        foreach (var match in matches)
        {
            if (Accepts(match, end))
            {
                // The lookahead's peaks help the vote, but what sounds there is the next window's to judge: chance hits in
                // it that the next window does not confirm ran a play's end 2-4 s into the song after it.
                var own = match.LastMatchFrame > end ? match with { LastMatchFrame = end } : match;
                own = MarkEarlierAlignment(all, own);
                accepted.Add(own);
                _heard.Add((own.TrackIndex, own.FirstMatchFrame, own.LastMatchFrame));
            }
        }

        // Only once every match of the window is heard: a start is not walked back under another song's landmarks.
        for (var i = 0; i < accepted.Count; i++)
        {
            accepted[i] = ExtendStart(all, accepted[i]);
        }

        _focus = focus;
        if (focus.Length > 0)
        {
            _lastFocus = focus;
        }

        AddFadingContinuations(all, end, accepted);
        TrackAirings(accepted);
        _toConfirm.Clear();
        foreach (var match in accepted)
        {
            if (match.Confidence > 0 && _airings[match.TrackIndex].Windows == 1)
            {
                _toConfirm.Add(match);
            }
        }

        _confirmEnd = _toConfirm.Count > 0 ? end + ConfirmFrames : long.MaxValue;
        _previous = accepted;
        foreach (var match in accepted)
        {
            _lastHeard[match.TrackIndex] = match;
        }

        foreach (var (track, heard) in _lastHeard)
        {
            if (heard.LastMatchFrame < end - RecentFrames)
            {
                _lastHeard.Remove(track);
            }
        }
        onWindow(new WindowResult(Math.Max(0, start), end, accepted));
        // Keep what the next window and start extension need; drop the rest so the buffer stays bounded.
        var keepFrame = end + StepFrames - WindowFrames - ExtendFrames;
        _peaks.RemoveRange(0, Peak.FirstAtOrAfter(all, keepFrame));
        _support.RemoveRange(0, Peak.FirstAtOrAfter(CollectionsMarshal.AsSpan(_support), keepFrame));
        _supportFrom = Math.Max(_supportFrom, keepFrame);
    }

    // A loop-based song's windows can each pick another pass of its loop; one at the track's top looks like the song aired
    // again. Where the alignment the song was last heard at (the previous window, or within the last minute) explains the
    // evidence as well, the song went on; where it does not, the song was heard again elsewhere in it.
    private TrackMatch MarkEarlierAlignment(ReadOnlySpan<Peak> all, TrackMatch match)
    {
        // The last heard match of a track in the previous window is that window's.
        if (!_lastHeard.TryGetValue(match.TrackIndex, out var earlier) || earlier.LastMatchFrame < match.FirstMatchFrame - RecentFrames
            || Math.Abs(earlier.Alignment.TrackFrame(match.FirstMatchFrame) - match.Alignment.TrackFrame(match.FirstMatchFrame)) < LoopShiftFrames)
        {
            return match;
        }

        var evidence = all[Peak.FirstAtOrAfter(all, match.FirstMatchFrame)..Peak.FirstAtOrAfter(all, match.LastMatchFrame + 1)];
        var check = _matcher.Check(evidence, match.TrackIndex, earlier.Alignment);
        return match with { EarlierAlignmentExplains = check.Matched >= GoesOnMinMatched && check.Z >= GoesOnMinZ };
    }

    // Triplets from lookahead peaks help voting, but evidence past the window end belongs to the next one.
    private bool Accepts(TrackMatch match, long end) => match.Confidence >= _matcher.Options.AcceptConfidence && match.FirstMatchFrame < end;

    // A stream that has named a song, where no song of the last window still explains the newest 2 s of peaks (one check
    // at its alignment, no voting): between songs, or as one ends. Most clear starts follow another song without a gap.
    private bool NoSongGoesOn(ReadOnlySpan<Peak> all, long end)
    {
        if (_lastFocus.Length == 0)
        {
            return false;
        }

        var newest = all[Peak.FirstAtOrAfter(all, end - GoesOnFrames)..Peak.FirstAtOrAfter(all, end)];
        foreach (var match in _previous)
        {
            var check = _matcher.Check(newest, match.TrackIndex, match.Alignment);
            if (check.Matched >= GoesOnMinMatched && check.Z >= GoesOnMinZ)
            {
                return false;
            }
        }

        return true;
    }

    // Between songs only. The window runs from the kept block before the next window's last block to
    // <paramref name="end"/> (that window's end, or half a step before it); its matches start plays only (no start walk:
    // the regular decision walks on an alignment fitted on the lookahead too).
    private void EarlyWindow(long end, Action<WindowResult> onWindow)
    {
        var lastBlockStart = _nextWindowEnd - StepFrames;
        var start = lastBlockStart - StepFrames;
        if (start - _epoch > EpochSpan || !NoSongGoesOn(CollectionsMarshal.AsSpan(_peaks), end))
        {
            return;
        }

        var all = CollectionsMarshal.AsSpan(_peaks);
        _earlyWindow[0] = Votes(all, start, lastBlockStart);
        var from = Peak.FirstAtOrAfter(all, lastBlockStart);
        var to = Peak.FirstAtOrAfter(all, end);
        _matcher.VoteBlock(all[from..to], to - from, lastBlockStart, _epoch, _earlyBlock, []);
        _earlyWindow[1] = _earlyBlock;
        var matches = _matcher.MatchBlocks(all[Peak.FirstAtOrAfter(all, start)..to], _epoch, _earlyWindow, _lastFocus);
        List<TrackMatch>? early = null;
        foreach (var match in matches)
        {
            // A song that begins now sounds in the newest seconds; evidence that stops before them is audio the last song
            // explained, which a track sharing its ending (at another speed) can match too.
            if (match.Score >= EarlyMinScore && Accepts(match, end) && match.LastMatchFrame >= end - GoesOnFrames)
            {
                (early ??= []).Add(MarkEarlierAlignment(all, match));
            }
        }

        if (early is not null)
        {
            onWindow(new WindowResult(Math.Max(0, start), end, early) { Early = true });
        }
    }

    private IReadOnlyList<TrackMatch> VoteAndMatch(ReadOnlySpan<Peak> all, long start, long end, int to)
    {
        VoteLeadingBlocks(all, start, _window);
        // The last block runs to the window's end (longer than a step only for a final partial window).
        _window[BlocksPerWindow - 1] = Votes(all, start + (long)(BlocksPerWindow - 1) * StepFrames, end);

        // Anchors in the lookahead vote too (their triplets are cut short, so these votes are not kept): a song that
        // ends inside the window keeps more of its votes on its true alignment than on a drifting neighbour.
        var lookaheadFrom = Peak.FirstAtOrAfter(all, end);
        _matcher.VoteBlock(all[lookaheadFrom..to], to - lookaheadFrom, end, _epoch, _lookahead, _focus);
        _window[BlocksPerWindow] = _lookahead;
        return _matcher.MatchBlocks(all[Peak.FirstAtOrAfter(all, start)..to], _epoch, _window);
    }

    // Every block of the window but its last, whose votes need peaks past the window's end.
    private void VoteLeadingBlocks(ReadOnlySpan<Peak> all, long start, BlockVotes[] into)
    {
        for (var b = 0; b < BlocksPerWindow - 1; b++)
        {
            var blockStart = start + (long)b * StepFrames;
            into[b] = Votes(all, blockStart, blockStart + StepFrames);
        }
    }

    // The speeds the next blocks search: those around the window's best accepted song (off its original speed, only while
    // its evidence reaches the window's end), else all (empty).
    private int[] Focused(IReadOnlyList<TrackMatch> matches, long end)
    {
        foreach (var match in matches)
        {
            if (Accepts(match, end))
            {
                var around = _speedFocus.Around(match.Alignment);
                return _speedFocus.IsOriginal(around) || match.LastMatchFrame >= end - FocusGapFrames ? around : [];
            }
        }

        return [];
    }

    // A block's votes are cast once and re-used by later windows while epoch and index stay the same.
    private BlockVotes Votes(ReadOnlySpan<Peak> all, long blockStart, long blockEnd)
    {
        var slot = _blocks[(int)((blockStart / StepFrames) % BlocksPerWindow + BlocksPerWindow) % BlocksPerWindow];
        // A block voted around a song off its original speed lacks the speeds searched now when the focus has moved: the
        // next song can be at another speed, and the window that could name it must have it in every block. (Blocks voted
        // at the original speed are kept, as they always were: radio does not change speed between its songs.)
        if (!slot.IsFor(blockStart, _epoch, _matcher.Index)
            || (slot.Speeds.Length > 0 && !_speedFocus.IsOriginal(slot.Speeds) && slot.Speeds != _focus))
        {
            var from = Peak.FirstAtOrAfter(all, blockStart);
            var anchors = Peak.FirstAtOrAfter(all, blockEnd) - from;
            var targets = Peak.FirstAtOrAfter(all, blockEnd + Lookahead);
            _matcher.VoteBlock(all[from..targets], anchors, blockStart, _epoch, slot, _focus);
            slot.Speeds = _focus;
        }

        return slot;
    }

    private TrackMatch ExtendStart(ReadOnlySpan<Peak> all, TrackMatch match)
    {
        var limit = match.FirstMatchFrame - ExtendFrames;
        _airings.TryGetValue(match.TrackIndex, out var airing);
        // No walk reaches before its limit, and a play starts where the earliest of its windows reached (the confident
        // ones, when it has them): once a window at least as confident has reached the limit, the walk can change
        // nothing. Most windows of a song are minutes into it, where the walk only repeated work.
        if (airing is not null && airing.Reached(match.Confidence, limit))
        {
            return match;
        }

        // An airing's first window has an alignment fitted on its first seconds: its walk does not cross long gaps (from
        // there a walk jumped 4.8 s into the music before a song under noise). The next windows, fitted on more, walk
        // under a presenter as far as the evidence goes, and the play starts where the earliest of them reached.
        var acrossLongGaps = airing is not null;
        var first = WalkBack(all, match, match.FirstMatchFrame, limit, acrossLongGaps);
        // Islands are looked for in an airing's first windows only: the start is settled by then.
        if ((airing?.Windows ?? 0) < IslandSearchWindows)
        {
            var island = EarliestIsland(all, match, first, Math.Max(limit, match.FirstMatchFrame - IslandReachFrames));
            if (island < first)
            {
                first = WalkBack(all, match, island, limit, acrossLongGaps);
            }
        }

        first = CrossfadeEntry(all, match, first);
        return first == match.FirstMatchFrame ? match : match with { FirstMatchFrame = first };
    }

    // A song fading in under the previous one leaves no trace of its first seconds: the louder song's peaks win
    // everywhere (about one catalogue peak in ten found there, as by chance). Songs are aired from their first note, so
    // when the track's own first peak falls at most a crossfade before the evidence, under another song heard until
    // the evidence begins, the play starts at that peak. Unknown music or speech there is no reason: only a song heard.
    private long CrossfadeEntry(ReadOnlySpan<Peak> all, TrackMatch match, long first)
    {
        var packed = _matcher.Index.Tracks[match.TrackIndex].Peaks.Packed;
        if (packed.Length == 0)
        {
            return first;
        }

        var edge = (long)Math.Ceiling(match.Alignment.QueryFrame(TrackPeaks.FrameOf(packed[0])));
        if (edge >= first || first - edge > CrossfadeFrames)
        {
            return first;
        }

        foreach (var (track, heardFirst, heardLast) in _heard)
        {
            if (track != match.TrackIndex && heardFirst < edge && heardLast >= first - CrossfadeCoverFrames)
            {
                return Unambiguous(all, match, first, edge) && !SilenceBetween(edge, first) ? edge : first;
            }
        }

        return first;
    }

    // A cut from one song to the next leaves a moment of silence, a segue does not: a song that comes after silence was not
    // fading in under the song before it (it was started part-way in). Silence leaves no support peak at all; music, even
    // quiet, leaves a few in every frame.
    private bool SilenceBetween(long from, long to)
    {
        if (!_withSupport || from < _supportFrom)
        {
            return false;
        }

        var support = CollectionsMarshal.AsSpan(_support);
        var last = from;
        for (var i = Peak.FirstAtOrAfter(support, from); i < support.Length && support[i].Frame < to; i++)
        {
            if (support[i].Frame - last >= SilenceFrames)
            {
                return true;
            }

            last = support[i].Frame;
        }

        return to - last >= SilenceFrames;
    }

    // In a song built on a loop, an alignment one loop off explains the evidence as well as the true one, and puts the
    // track's first note a loop too early. So the gap counts as a fade-in only when the alignment that starts the track
    // where the evidence starts explains that evidence clearly worse.
    private bool Unambiguous(ReadOnlySpan<Peak> all, TrackMatch match, long first, long edge)
    {
        var evidence = all[Peak.FirstAtOrAfter(all, first)..Peak.FirstAtOrAfter(all, first + CrossfadeFrames)];
        var own = _matcher.Check(evidence, match.TrackIndex, match.Alignment);
        var startingThere = match.Alignment with { TrackFrameAtOrigin = match.Alignment.TrackFrameAtOrigin - (first - edge) * match.Alignment.TimeScale };
        var alternative = _matcher.Check(evidence, match.TrackIndex, startingThere);
        return alternative.Z < own.Z * AmbiguousShare;
    }

    private void Confirm(Action<WindowResult> onWindow)
    {
        var end = _confirmEnd;
        var start = end - ConfirmFrames;
        _confirmEnd = long.MaxValue;
        var all = CollectionsMarshal.AsSpan(_peaks);
        var chunk = all[Peak.FirstAtOrAfter(all, start)..Peak.FirstAtOrAfter(all, end)];
        List<TrackMatch>? confirmed = null;
        foreach (var match in _toConfirm)
        {
            var check = _matcher.CheckAgainstDecoys(chunk, match.TrackIndex, match.Alignment);
            if (check.Matched >= ConfirmMinMatched && check.Z >= ConfirmMinZ)
            {
                // The window's confidence stays the airing's; the score and extent are the new peaks'.
                (confirmed ??= []).Add(match with
                {
                    Score = check.Z, MatchedPeaks = check.Matched, ComparedPeaks = check.Compared,
                    FirstMatchFrame = check.FirstMatchFrame, LastMatchFrame = check.LastMatchFrame,
                });
            }
        }

        _toConfirm.Clear();
        if (confirmed is not null)
        {
            onWindow(new WindowResult(start, end, confirmed) { Confirms = true });
        }
    }

    // An airing runs while every window finds its song (a fading continuation counts).
    private void TrackAirings(List<TrackMatch> accepted)
    {
        foreach (var track in _airings.Keys)
        {
            if (!accepted.Exists(m => m.TrackIndex == track))
            {
                _airings.Remove(track);
            }
        }

        foreach (var match in accepted)
        {
            if (!_airings.TryGetValue(match.TrackIndex, out var airing))
            {
                _airings[match.TrackIndex] = airing = new RunningAiring();
            }

            airing.Add(match);
        }
    }

    private long WalkBack(ReadOnlySpan<Peak> all, TrackMatch match, long first, long limit, bool acrossLongGaps)
    {
        var stepped = StepBack(all, match, first, limit);
        return _withSupport ? SupportReach(match, stepped, limit, acrossLongGaps) : ExtendUnderTalkOver(all, match, stepped, limit);
    }

    // Steps back 2 s chunks while each alone stands clearly above chance.
    private long StepBack(ReadOnlySpan<Peak> all, TrackMatch match, long first, long limit)
    {
        while (first - ChunkFrames >= limit)
        {
            var check = CheckChunk(all, first, match);
            if (check.Matched == 0 || check.Z < ChunkMinZ || check.FirstMatchFrame >= first)
            {
                break;
            }

            first = check.FirstMatchFrame;
        }

        return first;
    }

    // Steps back 1 s chunks from the start found so far to the walk's limit or the track's own start, whichever comes
    // first; returns the first confirmed frame of the earliest island, or from when there is none. A window's alignment
    // is fitted on a few seconds, so 10 s away it can be a frame or two off: each chunk is also tried a little earlier
    // and later.
    private long EarliestIsland(ReadOnlySpan<Peak> all, TrackMatch match, long from, long limit)
    {
        var earliest = from;
        for (var end = from; end - IslandFrames >= limit; end -= IslandStepFrames)
        {
            if (match.Alignment.TrackFrame(end) < 0)
            {
                break;
            }

            var chunk = all[Peak.FirstAtOrAfter(all, end - IslandFrames)..Peak.FirstAtOrAfter(all, end)];
            for (var shift = -IslandShiftFrames; shift <= IslandShiftFrames; shift++)
            {
                var alignment = match.Alignment with { TrackFrameAtOrigin = match.Alignment.TrackFrameAtOrigin + shift };
                var check = _matcher.Check(chunk, match.TrackIndex, alignment);
                // The chance model alone first; decoys only for the few chunks that pass it.
                if (check.Matched >= IslandMinMatched && check.Z >= IslandMinZ
                    && _matcher.CheckAgainstDecoys(chunk, match.TrackIndex, alignment).Z >= IslandMinZ)
                {
                    earliest = Math.Min(earliest, check.FirstMatchFrame);
                    break;
                }
            }
        }

        return earliest;
    }

    // A presenter louder than the song leaves only a few of its peaks, so no 2 s chunk stands out on its own. Summed
    // from the confirmed start backwards, the excess over chance keeps growing while the song is under the speech and
    // only wanders once it has begun; the start moves to the earliest chunk that adds clear excess while the whole
    // stretch stays far above chance.
    private long ExtendUnderTalkOver(ReadOnlySpan<Peak> all, TrackMatch match, long first, long limit) =>
        SummedReach(all, match, first, limit, backwards: true).Reach;

    // A song fading out under noise or the next song drops below acceptance while its alignment still explains
    // peaks: the previous window's match is carried on as far as the evidence reaches (the chunks where the summed excess
    // keeps growing, or the support peaks when the stream has them if they reach further; the mirror of the start
    // extension), so the play ends where the song does, not where acceptance stopped. Under noise the landmarks' chunks
    // still gain where the support walk finds nothing for seconds and stops, taking it for a song's end.
    private void AddFadingContinuations(ReadOnlySpan<Peak> all, long end, List<TrackMatch> accepted)
    {
        foreach (var previous in _previous)
        {
            if (accepted.Exists(m => m.TrackIndex == previous.TrackIndex))
            {
                continue;
            }

            var (last, matched) = SummedReach(all, previous, previous.LastMatchFrame, end, backwards: false);
            if (_withSupport)
            {
                last = Math.Max(last, SupportReach(previous, previous.LastMatchFrame, end, acrossLongGaps: false));
            }

            if (last > previous.LastMatchFrame)
            {
                // Evidence only: no confidence or score of its own, so a continuation never starts or confirms a play.
                accepted.Add(previous with { Confidence = 0, Score = 0, MatchedPeaks = matched, FirstMatchFrame = previous.LastMatchFrame, LastMatchFrame = last });
            }
        }
    }

    /// <summary>
    /// Walks 2 s chunks away from <paramref name="from"/> (backwards or forwards, up to <paramref name="limit"/>) and
    /// returns how far the confirmed peaks of the chunks that add clear excess over chance reach while the summed
    /// stretch stays far above chance, with the peaks confirmed up to there.
    /// </summary>
    private (long Reach, int Matched) SummedReach(ReadOnlySpan<Peak> all, TrackMatch match, long from, long limit, bool backwards)
    {
        double excess = 0, variance = 0, best = 0;
        var reach = from;
        int matched = 0, matchedAtReach = 0;
        var step = backwards ? -ChunkFrames : ChunkFrames;
        for (var at = from; backwards ? at - ChunkFrames >= limit : at + ChunkFrames <= limit; at += step)
        {
            var check = CheckChunk(all, backwards ? at : at + ChunkFrames, match);
            if (check.Compared == 0)
            {
                break;
            }

            excess += check.Matched - check.Expected;
            variance += check.Variance;
            matched += check.Matched;
            if (check.Matched > 0 && excess - best >= TalkOverMinGain && excess >= TalkOverMinZ * Math.Sqrt(variance + 1))
            {
                best = excess;
                reach = backwards ? Math.Min(reach, check.FirstMatchFrame) : Math.Max(reach, check.LastMatchFrame);
                matchedAtReach = matched;
            }
        }

        return (reach, matchedAtReach);
    }

    // Support peaks of a frame are final once PeakPicker's support radius has passed; the landmarks' delay covers it.
    private long SupportReach(TrackMatch match, long from, long limit, bool acrossLongGaps) =>
        _supportWalk.Reach(CollectionsMarshal.AsSpan(_support), _supportFrom, _framesAnalysed - PeakDelayFrames,
            _matcher.Index.Tracks[match.TrackIndex].Peaks, match.Alignment, from, limit < from ? UnderNoOtherSong(match, limit) : limit, acrossLongGaps);

    private long UnderNoOtherSong(TrackMatch match, long limit)
    {
        foreach (var (track, first, last) in _heard)
        {
            if (track != match.TrackIndex && first < match.FirstMatchFrame)
            {
                limit = Math.Max(limit, last - CrossfadeFrames);
            }
        }

        return limit;
    }

    private VerifiedAlignment CheckChunk(ReadOnlySpan<Peak> all, long end, TrackMatch match) =>
        _matcher.Check(all[Peak.FirstAtOrAfter(all, end - ChunkFrames)..Peak.FirstAtOrAfter(all, end)], match.TrackIndex, match.Alignment);
}

/// <summary>The accepted matches of one stream window [StartFrame, EndFrame).</summary>
public sealed record WindowResult(long StartFrame, long EndFrame, IReadOnlyList<TrackMatch> Matches)
{
    /// <summary>
    /// Not a window but the check of airings the previous window found first, on the peaks right after it: its matches
    /// confirm those airings and never start one.
    /// </summary>
    public bool Confirms { get; init; }

    /// <summary>
    /// An early decision of the window (see <see cref="StreamMatcher"/>), made before its lookahead arrived: it holds only
    /// matches clear enough for a play on their own; the window's regular result follows.
    /// </summary>
    public bool Early { get; init; }

    /// <summary>Stream frame by which the result was known: what a live listener waits for it.</summary>
    public long DecidedAtFrame => EndFrame + (Confirms || Early ? StreamMatcher.PeakDelayFrames : StreamMatcher.DecisionDelayFrames);
}
