using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Shared.Matching;

// Where an airing starts and ends: walks from the evidence a window found back under a presenter or the song before, and
// forward as a song fades out under noise or the next song.
public sealed partial class StreamMatcher
{
    // Known alignments are checked this far back for a start masked by talk-over, in chunks that must each
    // show evidence (z) so chance hits in speech cannot walk the start backwards. Under a presenter and 10 dB of
    // noise a song can be named 45 s after it began (30 s cut such starts short at some window phases).
    private static readonly int ExtendFrames = FingerprintSettings.SecondsToFrame(45);
    private static readonly int ChunkFrames = FingerprintSettings.SecondsToFrame(2);
    private const double ChunkMinZ = 3.0;
    private const double TalkOverMinZ = 2.5;
    private const double TalkOverMinGain = 1.0;

    // A song heard this recently is walked on from its last evidence, not only the previous window's: under noise and
    // processing a stretch of 4 s can add too little to carry the walk, while the song's alignment goes on explaining
    // the peaks after it. As long as the play tracker bridges a gap.
    private static readonly int FadeWalkFrames = FingerprintSettings.SecondsToFrame(20);

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
        foreach (var previous in _lastHeard.Values)
        {
            if (previous.LastMatchFrame < end - FadeWalkFrames || accepted.Exists(m => m.TrackIndex == previous.TrackIndex))
            {
                continue;
            }

            var (last, matched) = SummedReach(all, previous, previous.LastMatchFrame, end, backwards: false);
            // The support walk trusts a few peaks at a time, so it only carries on from the previous window: from older
            // evidence it would cross what followed the song (at a song cut short, a presenter) to the track's end.
            if (_withSupport && _previous.Contains(previous))
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
