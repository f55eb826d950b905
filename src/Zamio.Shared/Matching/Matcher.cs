using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Shared.Matching;

/// <summary>
/// Finds which catalogue tracks a run of query peaks comes from. For each speed hypothesis the query peaks are
/// mapped to catalogue coordinates and hashed; every posting votes for (hypothesis, time offset); the best
/// cells are verified peak by peak. Not thread-safe: one matcher per thread, sharing one index.
/// </summary>
public sealed class Matcher
{
    private const int OffsetQuantum = 2;
    private const long OffsetBias = 1L << 22;
    private const int CandidatesToVerify = 8;

    // Vote peaks verified under preferred speeds beyond the best overall (see MatchBlocks).
    private const int PreferredCandidates = 2;

    private readonly FingerprintIndex _index;
    private readonly IReadOnlyList<SpeedHypothesis> _speeds;
    private readonly MatcherOptions _options;
    private readonly List<HashPoint> _points = [];
    private readonly List<HashedPair> _pairs = [];
    private readonly VoteBuffer _votes = new();
    private long[] _merged = [];
    private long[] _ranges = [];
    private readonly List<(long Key, int Total, int Track, double Place)> _candidates = [];
    private readonly List<(long Key, int Total, int Track, double Place)> _selected = [];
    private readonly PlaceQuota _quota = new();
    private readonly Verifier _verifier;
    private readonly double _slowest;
    private readonly double _fastest;

    public Matcher(FingerprintIndex index, MatcherOptions? options = null, IReadOnlyList<SpeedHypothesis>? speeds = null)
    {
        _index = index;
        _options = options ?? MatcherOptions.Default;
        _speeds = speeds ?? SpeedHypothesis.DefaultGrid;
        _verifier = new Verifier(_options);
        if (_speeds.Count == 0 || _speeds.Count > 255)
        {
            throw new ArgumentException("between 1 and 255 speed hypotheses", nameof(speeds));
        }

        _slowest = _speeds.Min(s => s.TimeScale);
        _fastest = _speeds.Max(s => s.TimeScale);
    }

    public FingerprintIndex Index => _index;

    public MatcherOptions Options => _options;

    public IReadOnlyList<SpeedHypothesis> Speeds => _speeds;

    /// <summary>
    /// Matches peaks (sorted by frame) and returns verified matches above the reporting threshold, best first,
    /// at most one per track.
    /// </summary>
    public IReadOnlyList<TrackMatch> Match(ReadOnlySpan<Peak> peaks) => MatchOthers(peaks, excludedTrack: -1);

    /// <summary>
    /// <see cref="Match"/> against every track but <paramref name="excludedTrack"/> (none when negative): which other
    /// catalogue entries hold audio of that track's own (its peaks as the query would otherwise find, and explain, only
    /// itself).
    /// </summary>
    public IReadOnlyList<TrackMatch> MatchOthers(ReadOnlySpan<Peak> peaks, int excludedTrack)
    {
        if (peaks.Length < 2)
        {
            return [];
        }

        var origin = peaks[0].Frame;
        Vote(peaks, peaks.Length, origin, origin, []);
        return Decide(peaks, origin, _votes.Sort(), [], excludedTrack);
    }

    /// <summary>
    /// <see cref="Match"/> for a lone clip, which has no later windows to find it in. When no vote winner verifies as
    /// an identification, two wider searches follow, each only if the one before found nothing:
    /// <list type="number">
    /// <item>each winner's place is verified under every speed hypothesis: a noisy clip's few surviving landmarks can
    /// vote for its true place under a neighbouring speed cell whose slope verification cannot fit back to the true one
    /// (a tempo-only cell has the wrong pitch);</item>
    /// <item>the clip is voted again with each triplet's time differences also a frame longer and shorter (peaks that
    /// broadcast processing moved by a frame break the exact keys), and the new winners' places are verified likewise;
    /// not when the plain vote already cast more than <see cref="MatcherOptions.JitteredSearchMaxVotes"/>.</item>
    /// </list>
    /// Those alignments are more chances for unknown music too, so they are calibrated <see cref="WiderSearchZDiscount"/>
    /// lower. The best match's speed and offset are then fitted on the clip's own peaks (see
    /// <see cref="Verifier.FitSlopeFreely"/>).
    /// </summary>
    public IReadOnlyList<TrackMatch> MatchClip(ReadOnlySpan<Peak> peaks)
    {
        var found = SearchClip(peaks);
        if (found.Count > 0)
        {
            found[0] = WithItsOwnSlope(peaks, found[0]);
        }

        return found;
    }

    // The refit is kept when it explains the clip about as well as the cell did (z within SlopeRefitZSlack) at a speed
    // no further than SlopeBeyondGrid outside the grid.
    private TrackMatch WithItsOwnSlope(ReadOnlySpan<Peak> peaks, TrackMatch best)
    {
        var reference = _index.Tracks[best.TrackIndex].Peaks;
        var refit = _verifier.FitSlopeFreely(peaks, reference, best.Alignment);
        var inRange = refit.TimeScale >= _slowest - SlopeBeyondGrid && refit.TimeScale <= _fastest + SlopeBeyondGrid;
        return inRange && _verifier.Score(peaks, reference, refit).Z >= best.Score - SlopeRefitZSlack ? best with { Alignment = refit } : best;
    }

    private const double SlopeRefitZSlack = 0.5;
    private const double SlopeBeyondGrid = 0.01;

    private List<TrackMatch> SearchClip(ReadOnlySpan<Peak> peaks)
    {
        var matches = Match(peaks);
        if (peaks.Length < 2 || Accepted(matches))
        {
            return [.. matches];
        }

        var origin = peaks[0].Frame;
        var midQueryFrame = (peaks[0].Frame + peaks[^1].Frame) / 2.0 - origin;
        var plainVotes = _votes.Count;
        var results = new List<TrackMatch>(matches);
        VerifyPlacesAtEverySpeed(peaks, origin, midQueryFrame, results, ownCellsVerified: true);
        if (!Accepted(results) && plainVotes <= _options.JitteredSearchMaxVotes)
        {
            Vote(peaks, peaks.Length, origin, origin, [], jitterTimes: true);
            SelectCandidates(_votes.Sort(), midQueryFrame, []);
            VerifyPlacesAtEverySpeed(peaks, origin, midQueryFrame, results, ownCellsVerified: false);
        }

        return results;
    }

    /// <summary>z discount of <see cref="MatchClip"/>'s wider searches: undiscounted, the first named 3 of the accuracy
    /// benchmark's 1,188 unknown clips (z 6.3-6.6, against 1 with the vote winners alone).</summary>
    public const double WiderSearchZDiscount = 1.5;

    private bool Accepted(IReadOnlyList<TrackMatch> ranked) => ranked.Count > 0 && ranked[0].Confidence >= _options.AcceptConfidence;

    // Each candidate's place is the track position it puts at the query's middle frame; every speed is anchored there, so
    // at the candidate's own speed the alignment is its cell's, which Match has verified already.
    private void VerifyPlacesAtEverySpeed(ReadOnlySpan<Peak> peaks, long origin, double midQueryFrame, List<TrackMatch> results, bool ownCellsVerified)
    {
        foreach (var (key, _, track, place) in _candidates)
        {
            for (var s = 0; s < _speeds.Count; s++)
            {
                if (ownCellsVerified && s == (int)(key >> 32))
                {
                    continue;
                }

                var offset = place - midQueryFrame * _speeds[s].TimeScale;
                VerifyAndKeep(results, peaks, origin, s, offset, track, WiderSearchZDiscount);
            }
        }

        results.Sort((a, b) => b.Confidence.CompareTo(a.Confidence));
    }

    /// <summary>
    /// Votes the anchors <paramref name="peaks"/>[..<paramref name="anchorCount"/>] (later peaks serve as triplet
    /// targets only) with offsets relative to <paramref name="epoch"/>, and stores them sorted in
    /// <paramref name="into"/> for <see cref="MatchBlocks"/>. Only the speed hypotheses listed in
    /// <paramref name="only"/> (indices into <see cref="Speeds"/>) are searched; empty means all.
    /// </summary>
    public void VoteBlock(ReadOnlySpan<Peak> peaks, int anchorCount, long blockStart, long epoch, BlockVotes into, ReadOnlySpan<int> only = default)
    {
        ArgumentNullException.ThrowIfNull(into);
        foreach (var s in only)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(s, nameof(only));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(s, _speeds.Count, nameof(only));
        }

        if (anchorCount > 0)
        {
            Vote(peaks, anchorCount, peaks[0].Frame, epoch, only);
        }
        else
        {
            _votes.Clear();
        }

        into.Set(blockStart, epoch, _index, _votes.Sort());
    }

    /// <summary>
    /// Adds to <paramref name="into"/>, voted by <see cref="VoteBlock"/> on <paramref name="peaks"/>[..<paramref name="newFrom"/>]
    /// (the same first peak, epoch and speeds), the votes that the peaks from <paramref name="newFrom"/> on complete: the
    /// block then holds exactly what voting all of <paramref name="peaks"/> would give. A block that grows as its peaks
    /// arrive is voted once, not again at every size.
    /// </summary>
    public void VoteAdded(ReadOnlySpan<Peak> peaks, int anchorCount, int newFrom, long epoch, BlockVotes into, ReadOnlySpan<int> only = default)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentOutOfRangeException.ThrowIfNegative(newFrom);
        if (into.Epoch != epoch || !ReferenceEquals(into.Index, _index))
        {
            throw new ArgumentException("the block was voted against another epoch or index", nameof(into));
        }

        if (anchorCount > 0 && newFrom < peaks.Length)
        {
            Vote(peaks, anchorCount, peaks[0].Frame, epoch, only, newFrom: newFrom);
            into.Add(_votes.Sort());
        }
    }

    /// <summary>
    /// Matches a window whose votes were cast block by block (all against the same epoch and this index) and
    /// verifies the candidates on the window's <paramref name="peaks"/>.
    /// </summary>
    public IReadOnlyList<TrackMatch> MatchBlocks(ReadOnlySpan<Peak> peaks, long epoch, ReadOnlySpan<BlockVotes> blocks) =>
        MatchBlocks(peaks, epoch, blocks, []);

    /// <summary>
    /// <see cref="MatchBlocks(ReadOnlySpan{Peak}, long, ReadOnlySpan{BlockVotes})"/> that also verifies the best few vote
    /// peaks under the speed hypotheses <paramref name="preferredSpeeds"/> (indices into <see cref="Speeds"/>) when the
    /// whole grid's best crowd them out.
    /// </summary>
    public IReadOnlyList<TrackMatch> MatchBlocks(ReadOnlySpan<Peak> peaks, long epoch, ReadOnlySpan<BlockVotes> blocks, int[] preferredSpeeds)
    {
        foreach (var block in blocks)
        {
            if (block.Epoch != epoch || !ReferenceEquals(block.Index, _index))
            {
                throw new ArgumentException("blocks were voted against another epoch or index", nameof(blocks));
            }
        }

        return peaks.Length < 2 ? [] : Decide(peaks, epoch, BlockVotes.Merge(blocks, ref _merged), preferredSpeeds);
    }

    private IReadOnlyList<TrackMatch> Decide(ReadOnlySpan<Peak> peaks, long origin, ReadOnlySpan<long> sortedVotes, int[] preferredSpeeds, int excludedTrack = -1)
    {
        SelectCandidates(sortedVotes, (peaks[0].Frame + peaks[^1].Frame) / 2.0 - origin, preferredSpeeds, excludedTrack);
        var results = new List<TrackMatch>(_candidates.Count);
        // Per track the alignment with the highest z wins: confidence saturates at 1 and cannot tell a true alignment
        // from a neighbouring speed cell whose slope drifts off the song.
        foreach (var (key, _, track, _) in _candidates)
        {
            VerifyAndKeep(results, peaks, origin, (int)(key >> 32), CellOffset(key), track, 0);
        }

        results.Sort((a, b) => b.Confidence.CompareTo(a.Confidence));
        return results.Count > 1 ? ExplainAway(peaks, results) : results;
    }

    /// <summary>
    /// A peak has one source. Runners-up are re-scored on the peaks the better matches do not explain, so a
    /// track that only shares the winner's notes falls away while a genuinely mixed second track stays.
    /// </summary>
    private List<TrackMatch> ExplainAway(ReadOnlySpan<Peak> peaks, List<TrackMatch> ranked)
    {
        var explained = new bool[peaks.Length];
        var kept = new List<TrackMatch>(ranked.Count) { ranked[0] };
        Verifier.MarkExplained(peaks, _index.Tracks[ranked[0].TrackIndex].Peaks, ranked[0].Alignment, explained);
        var remaining = new List<Peak>(peaks.Length);
        foreach (var candidate in ranked.Skip(1))
        {
            remaining.Clear();
            for (var i = 0; i < peaks.Length; i++)
            {
                if (!explained[i])
                {
                    remaining.Add(peaks[i]);
                }
            }

            var track = _index.Tracks[candidate.TrackIndex];
            var rescored = _verifier.Rescore(CollectionsMarshal.AsSpan(remaining), track, candidate.Alignment);
            var confidence = _options.Calibrate(rescored.Z, rescored.Matched, rescored.Compared);
            if (confidence >= _options.MinConfidence)
            {
                kept.Add(candidate with { Confidence = confidence, Score = rescored.Z, MatchedPeaks = rescored.Matched });
                Verifier.MarkExplained(peaks, track.Peaks, candidate.Alignment, explained);
            }
        }

        return kept;
    }

    /// <summary>
    /// Scores a known alignment against <paramref name="peaks"/> without searching: how a stream extends a
    /// play into audio too masked (talk-over, noise) for a blind search to find.
    /// </summary>
    public VerifiedAlignment Check(ReadOnlySpan<Peak> peaks, int trackIndex, Alignment alignment) =>
        _verifier.Score(peaks, _index.Tracks[trackIndex].Peaks, alignment);

    /// <summary>
    /// <see cref="Check"/> with the track's own baseline: the alignment's z against the same peaks scored at decoy
    /// offsets, for evidence too short for the chance model alone (tonal music shares notes at any offset).
    /// </summary>
    public VerifiedAlignment CheckAgainstDecoys(ReadOnlySpan<Peak> peaks, int trackIndex, Alignment alignment) =>
        _verifier.Rescore(peaks, _index.Tracks[trackIndex], alignment);

    // Anchor times are hashed relative to the first peak (small floats keep the time differences exact) and
    // voted relative to the epoch, in double, so blocks of one stream agree on offsets.
    private void Vote(ReadOnlySpan<Peak> peaks, int anchorCount, int hashOrigin, long epoch, ReadOnlySpan<int> only, bool jitterTimes = false, int newFrom = 0)
    {
        _votes.Clear();
        for (var s = 0; s < _speeds.Count; s++)
        {
            if (!only.IsEmpty && !only.Contains(s))
            {
                continue;
            }

            var speed = _speeds[s];
            _points.Clear();
            foreach (var peak in peaks)
            {
                _points.Add(PairHasher.ToPoint(peak with { Frame = peak.Frame - hashOrigin }, speed));
            }

            _pairs.Clear();
            var points = CollectionsMarshal.AsSpan(_points);
            PairHasher.Hash(points, 0, anchorCount, PairHasher.QueryFanout, _pairs, jitterTimes, newFrom);
            var speedKey = (long)s << 32;
            var originTime = (hashOrigin - epoch) * (double)speed.TimeScale;
            var pairs = CollectionsMarshal.AsSpan(_pairs);
            if (_ranges.Length < pairs.Length)
            {
                _ranges = new long[pairs.Length * 2];
            }

            // Recently added tracks have their own layer on the same timeline; their votes land in the same bins.
            for (var layer = _index; layer is not null; layer = layer.Recent)
            {
                layer.Ranges(pairs, _ranges);
                for (var i = 0; i < pairs.Length; i++)
                {
                    var anchorTime = originTime + pairs[i].AnchorTime;
                    var postings = layer.Postings(_ranges[i]);
                    var votes = _votes.Append(postings.Length);
                    for (var p = 0; p < postings.Length; p++)
                    {
                        votes[p] = speedKey | ((long)Math.Floor((postings[p] - anchorTime) / OffsetQuantum) + OffsetBias);
                    }
                }
            }
        }
    }

    private void SelectCandidates(ReadOnlySpan<long> sorted, double midQueryFrame, int[] preferredSpeeds, int excludedTrack = -1)
    {
        _candidates.Clear();
        for (var i = NextRepeat(sorted, 0); i < sorted.Length; i = NextRepeat(sorted, i))
        {
            var key = sorted[i];
            var end = i + 2;
            while (end < sorted.Length && sorted[end] == key)
            {
                end++;
            }

            var count = end - i;
            var left = RunLength(sorted, i - 1, key - 1, -1);
            var right = RunLength(sorted, end, key + 1, 1);
            i = end;
            // One candidate per peak of the offset histogram; the neighbours' votes are drift, not rivals.
            if (left > count || right >= count)
            {
                continue;
            }

            var place = CellOffset(key) + midQueryFrame * _speeds[(int)(key >> 32)].TimeScale;
            var track = _index.TrackNear((long)place);
            if (track >= 0 && track != excludedTrack)
            {
                _candidates.Add((key, count + left + right, track, place));
            }
        }

        _candidates.Sort((a, b) => b.Total.CompareTo(a.Total));
        _quota.Clear();
        foreach (var candidate in _candidates)
        {
            if (_quota.Admit(candidate.Track, candidate.Place))
            {
                _selected.Add(candidate);
                if (_selected.Count == CandidatesToVerify)
                {
                    break;
                }
            }
        }

        if (preferredSpeeds.Length > 0)
        {
            SelectPreferred(preferredSpeeds);
        }

        _candidates.Clear();
        _candidates.AddRange(_selected);
        _selected.Clear();
    }

    // The first i at or after from where a key repeats (sorted[i] == sorted[i + 1]), else the length: most of a window's
    // votes are single chance votes, so whole vectors of them are passed over at once. A cell needs two votes to be a
    // candidate; a single vote counts only as a candidate's neighbour.
    private static int NextRepeat(ReadOnlySpan<long> sorted, int from)
    {
        ref var first = ref MemoryMarshal.GetReference(sorted);
        var i = from;
        for (; i + Vector256<long>.Count < sorted.Length; i += Vector256<long>.Count)
        {
            if (Vector256.EqualsAny(Vector256.LoadUnsafe(ref first, (nuint)i), Vector256.LoadUnsafe(ref first, (nuint)i + 1)))
            {
                break;
            }
        }

        for (; i + 1 < sorted.Length; i++)
        {
            if (sorted[i] == sorted[i + 1])
            {
                return i;
            }
        }

        return sorted.Length;
    }

    // How many of key lie next to position from, walking in direction step.
    private static int RunLength(ReadOnlySpan<long> sorted, int from, long key, int step)
    {
        var n = 0;
        for (var i = from; i >= 0 && i < sorted.Length && sorted[i] == key; i += step)
        {
            n++;
        }

        return n;
    }

    // The best vote peaks under the preferred speeds join the selection, ranked as they are (see MatchBlocks).
    private void SelectPreferred(int[] preferredSpeeds)
    {
        var preferred = 0;
        foreach (var candidate in _candidates)
        {
            if (preferred == PreferredCandidates)
            {
                break;
            }

            if (Array.IndexOf(preferredSpeeds, (int)(candidate.Key >> 32)) >= 0)
            {
                preferred++;
                if (!_selected.Contains(candidate))
                {
                    _selected.Add(candidate);
                }
            }
        }
    }

    // A track keeps its best-scoring alignment (z; the confidence saturates). A candidate of a track already kept needs a
    // higher z to replace it, so its verification stops as soon as it cannot reach that z.
    private void VerifyAndKeep(List<TrackMatch> results, ReadOnlySpan<Peak> peaks, long origin, int speedIndex, double offset, int trackIndex, double zDiscount)
    {
        var kept = results.FindIndex(r => r.TrackIndex == trackIndex);
        var match = VerifyCandidate(peaks, origin, speedIndex, offset, trackIndex, zDiscount, kept < 0 ? double.NegativeInfinity : results[kept].Score);
        if (match.Confidence >= _options.MinConfidence && (kept < 0 || match.Score > results[kept].Score))
        {
            if (kept >= 0)
            {
                results.RemoveAt(kept);
            }

            results.Add(match);
        }
    }

    private static double CellOffset(long key) => ((key & 0xFFFFFFFFL) - OffsetBias + 0.5) * OffsetQuantum;

    private TrackMatch VerifyCandidate(ReadOnlySpan<Peak> peaks, long origin, int speedIndex, double offset, int trackIndex, double zDiscount, double zToBeat)
    {
        var track = _index.Tracks[trackIndex];
        var speed = _speeds[speedIndex];
        var alignment = new Alignment(origin, offset - track.Start, speed.TimeScale, speed.FreqScale);
        var verified = _verifier.Verify(peaks, track, alignment, zToBeat);
        var confidence = _options.Calibrate(verified.Z - zDiscount, verified.Matched, verified.Compared);
        return new TrackMatch(trackIndex, track.Id, confidence, verified.Z, verified.Alignment, verified.Matched, verified.Compared,
            verified.FirstMatchFrame, verified.LastMatchFrame) { TrackEndFrame = track.Peaks.LastFrame };
    }
}
