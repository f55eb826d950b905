using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Matching;

/// <summary>
/// Matches a continuous stream of peaks: every <see cref="StepFrames"/> it matches the last
/// <see cref="WindowFrames"/> and hands accepted matches to the caller. Each step's anchors are hashed and
/// looked up once and their votes kept, so a window costs one new block of lookups (plus its lookahead), not a
/// whole window.
/// One instance per stream; it keeps only a window of peaks and votes, so it runs live (packet by packet) as
/// well as offline. Early decisions between songs are in StreamMatcher.Early.cs, where an airing starts and ends in
/// StreamMatcher.Edges.cs.
/// </summary>
public sealed partial class StreamMatcher
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

    // Vote offsets are relative to an epoch; it moves on after a day so offsets stay within the vote key range.
    private static readonly long EpochSpan = FingerprintSettings.SecondsToFrame(24 * 3600);

    private readonly Dictionary<int, RunningAiring> _airings = [];

    private Matcher _matcher;
    private readonly List<Peak> _peaks = [];

    private long _framesAnalysed;
    private readonly BlockVotes[] _blocks = new BlockVotes[BlocksPerWindow];
    private readonly BlockVotes[] _window = new BlockVotes[BlocksPerWindow + 1];
    private readonly BlockVotes _lookahead = new();

    // While a song is identified, new blocks search only the speeds around it; the full grid returns as soon as a window
    // identifies nothing. A new stream starts at the original speed alone (SpeedFocus.Start), and its first window that
    // names nothing there is matched again on the whole grid: when central starts with thousands of stations, every
    // stream's first window comes at once, and searching all 17 speeds for each was most of that burst's cost.
    private SpeedFocus _speedFocus;
    private int[] _focus;
    private static readonly int FocusGapFrames = FingerprintSettings.SecondsToFrame(1);
    // The first windows are partial: a song that starts with the stream is named after one step, not one window. Windows
    // end a peak delay before each step of the stream clock, so an early decision (below) comes with the packet that
    // completes the step, not with the next one. A window phase moves the clock back, and the first window is never
    // shorter than a step: a shorter one names fewer songs, and every stream it misses is searched at every speed again
    // a step later (the costliest windows, all at once when central starts with thousands of stations).
    private long _nextWindowEnd;

    private int[] _lastFocus = [];
    private static readonly int LoopShiftFrames = FingerprintSettings.SecondsToFrame(1);

    // Each track's last accepted match, for a minute: a play closed for want of evidence resumes within that long.
    private static readonly int RecentFrames = FingerprintSettings.SecondsToFrame(60);
    private readonly Dictionary<int, TrackMatch> _lastHeard = [];

    // Matches the previous window accepted; one this window does not accept may still be fading out under noise.
    private List<TrackMatch> _previous = [];
    private long _epoch;

    /// <param name="matcher">The catalogue matcher.</param>
    /// <param name="windowPhase">
    /// Frames (0 to <see cref="StepFrames"/> - 1) by which this stream's windows end earlier in each step. Streams that
    /// begin together are matched in the same moment of every step unless their phases differ.
    /// </param>
    public StreamMatcher(Matcher matcher, int windowPhase = 0)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        ArgumentOutOfRangeException.ThrowIfNegative(windowPhase);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(windowPhase, StepFrames);
        _nextWindowEnd = StepFrames - PeakDelayFrames + ((StepFrames - windowPhase) % StepFrames);
        _matcher = matcher;
        _speedFocus = new SpeedFocus(matcher.Speeds);
        _focus = _speedFocus.Start;
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
        _checks.Clear();
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
        _earlyBlock.Release();
    }

    /// <summary>
    /// Whether windows between songs are also decided early, on each packet (StreamMatcher.Early.cs). An instance that
    /// has fallen behind its stations turns them off: they show a song about 2 s sooner than the regular decision, which
    /// is moot when its packets are already seconds late, and they are a sixth of matching's cost, which it needs to
    /// catch up. The regular decisions are the same either way.
    /// </summary>
    public bool EarlyDecisions { get; set; } = true;

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
            // Whatever is due is decided in the order of the audio it needs, however much arrived at once.
            var checkDue = _checks.Count > 0 ? _checks[0].End + PeakDelayFrames : long.MaxValue;
            var pointDue = _framesConsidered < StepFrames ? StepFrameEnd(_framesConsidered + 1) + PeakDelayFrames : long.MaxValue;
            var windowDue = _nextWindowEnd + DecisionDelayFrames;
            var due = Math.Min(checkDue, Math.Min(pointDue, windowDue));
            if (framesAnalysed < due)
            {
                break;
            }

            if (due == checkDue)
            {
                Confirm(onWindow);
            }
            else if (due == pointDue)
            {
                // The step's own end (the last point) is always decided early: its regular decision waits for the lookahead.
                var end = StepFrameEnd(++_framesConsidered);
                if (EarlyDecisions && (_framesConsidered == StepFrames || framesAnalysed < StepFrameEnd(_framesConsidered + 1) + PeakDelayFrames))
                {
                    EarlyWindow(end, onWindow);
                }
            }
            else
            {
                MatchWindow(_nextWindowEnd, onWindow);
                _nextWindowEnd += StepFrames;
                _framesConsidered = 0;
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
        foreach (var match in accepted)
        {
            if (match.Confidence > 0 && _airings[match.TrackIndex].Windows == 1)
            {
                ScheduleCheck(end, end + ConfirmFrames, match);
            }
        }

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
        // Floor division: with a window phase the first blocks start before frame 0.
        var step = Math.DivRem(blockStart, StepFrames, out var rest) - (rest < 0 ? 1 : 0);
        var slot = _blocks[(int)(((step % BlocksPerWindow) + BlocksPerWindow) % BlocksPerWindow)];
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
}
