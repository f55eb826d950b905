using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Shared.Matching;

/// <summary>
/// Checks a vote winner peak by peak: how many query peaks have a catalogue peak at the aligned time and
/// frequency, against how many would by chance given the local peak density. The excess, in standard
/// deviations, becomes the confidence; a refit of the alignment on the confirmed peaks gives the speed.
/// </summary>
internal sealed class Verifier(MatcherOptions options)
{
    private const double CoarseTimeTolerance = 3;
    /// <summary>Frames a peak may sit from its aligned place and still confirm it.</summary>
    internal const double FineTimeTolerance = 1.25;

    // Evidence this close to two other confirmed peaks counts towards a boundary; lone chance hits do not.
    private const int SupportRadius = 31;
    private const int SupportNeeded = 3;
    private const double SupportZ = 2;

    private readonly List<(long Query, double Track)> _pairs = [];
    private readonly List<(long Frame, double Chance, bool Matched)> _compared = [];

    /// <param name="zToBeat">
    /// The z the caller already has for this track: an alignment that cannot exceed it is returned as soon as that is
    /// certain, its z then no higher than the bound that showed it.
    /// </param>
    public VerifiedAlignment Verify(ReadOnlySpan<Peak> query, IndexedTrack track, Alignment alignment, double zToBeat = double.NegativeInfinity)
    {
        var refined = FitSlope(query, track.Peaks, alignment);
        if (CannotBeReported(query, track.Peaks, refined, zToBeat) is { } hopeless)
        {
            return hopeless;
        }

        var scored = Score(query, track.Peaks, refined);
        if (FromTrackStart(track.Peaks, scored) is { } fromStart)
        {
            var restarted = Score(query, track.Peaks, fromStart);
            if (restarted.Z > scored.Z)
            {
                scored = restarted;
            }
        }

        // Decoys can only lower z: a candidate already below the reporting threshold, or below zToBeat, is not worth
        // scoring eight more times.
        return options.Calibrate(scored.Z, scored.Matched, scored.Compared) < options.MinConfidence || scored.Z <= zToBeat
            ? scored
            : WithDecoyNull(query, track.Peaks, scored);
    }

    // A song's opening often comes back later in it (a loop played again, a chorus): its first seconds on air can be voted
    // at such a return, and the alignment then puts track under the audio before the song (a presenter, another song),
    // which it does not explain, so the song was named only once its true place gathered the votes (5-8 s after its
    // start, against 3 s for most). When query peaks before the first supported match were compared and unexplained, the
    // alignment that starts the track at that match is scored too, and kept if it explains the query better.
    private static readonly int MinRestartFrames = FingerprintSettings.SecondsToFrame(0.5);
    private const int MinUnexplainedBefore = 8;

    private Alignment? FromTrackStart(TrackPeaks reference, VerifiedAlignment scored)
    {
        if (scored.Matched == 0 || reference.Packed.Length == 0)
        {
            return null;
        }

        var shift = scored.Alignment.TrackFrame(scored.FirstMatchFrame) - TrackPeaks.FrameOf(reference.Packed[0]);
        if (shift < MinRestartFrames)
        {
            return null;
        }

        var before = 0;
        foreach (var (frame, _, matched) in _compared)
        {
            if (frame >= scored.FirstMatchFrame)
            {
                break;
            }

            before += matched ? 0 : 1;
        }

        return before < MinUnexplainedBefore ? null : scored.Alignment with { TrackFrameAtOrigin = scored.Alignment.TrackFrameAtOrigin - shift };
    }

    // The chance model never puts a compared peak's chance below the line model's floor (an empty line): a candidate whose
    // matches could not reach the reporting z (or the z to beat) even against that floor is dropped before the model is
    // evaluated, which is most of verification's cost and most candidates of a window. Exact: such a candidate would be
    // dropped anyway.
    private static readonly double ChanceFloor = LineChance(0);

    private VerifiedAlignment? CannotBeReported(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment alignment, double zToBeat)
    {
        if (options.MinConfidence <= 0)
        {
            return null;
        }

        var (matched, compared) = CountMatches(query, reference, alignment);
        var excess = matched - compared * ChanceFloor;
        var zAtMost = excess / Math.Sqrt(compared * ChanceFloor * (1 - ChanceFloor) + 1);
        return matched < options.MinMatchedPeaks || compared == 0 || excess <= 0 || zAtMost < _reportedZ || zAtMost <= zToBeat
            ? new VerifiedAlignment(alignment, matched, compared, Math.Min(zAtMost, 0), 0, 0)
            : null;
    }

    // The smallest z that calibrates to a reported confidence, a hair low so rounding never drops a reportable candidate.
    private readonly double _reportedZ = options.ZMidpoint + options.ZScale * Math.Log(options.MinConfidence / (1 - options.MinConfidence)) - 1e-6;

    /// <summary>Re-scores a known alignment (decoys included) on a subset of the query.</summary>
    public VerifiedAlignment Rescore(ReadOnlySpan<Peak> query, IndexedTrack track, Alignment alignment) =>
        WithDecoyNull(query, track.Peaks, Score(query, track.Peaks, alignment));

    /// <summary>Flags the query peaks that the alignment explains.</summary>
    public static void MarkExplained(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment alignment, Span<bool> explained)
    {
        var cursor = default(Cursor);
        for (var i = 0; i < query.Length; i++)
        {
            var peak = query[i];
            if (NearestMatch(reference, ref cursor, alignment.TrackFrame(peak.Frame), peak.Bin / alignment.FreqScale, FineTimeTolerance) >= 0)
            {
                explained[i] = true;
            }
        }
    }

    // Track offsets (frames) at which the same query is scored again as decoys. Tonal music shares notes, so
    // a query can match a track's peaks well above the density model at any offset; the decoys measure that
    // pair's own baseline. The median ignores the few decoys that land on a repeated loop.
    private static readonly int[] DecoyOffsets = [-311, -229, -163, -97, 97, 163, 229, 311];
    private readonly int[] _decoyMatches = new int[DecoyOffsets.Length];

    private VerifiedAlignment WithDecoyNull(ReadOnlySpan<Peak> query, TrackPeaks reference, VerifiedAlignment scored)
    {
        for (var i = 0; i < DecoyOffsets.Length; i++)
        {
            var decoy = scored.Alignment with { TrackFrameAtOrigin = scored.Alignment.TrackFrameAtOrigin + DecoyOffsets[i] };
            _decoyMatches[i] = CountMatches(query, reference, decoy).Matched;
        }

        Array.Sort(_decoyMatches);
        var median = 0.5 * (_decoyMatches[DecoyOffsets.Length / 2 - 1] + _decoyMatches[DecoyOffsets.Length / 2]);
        var decoyZ = (scored.Matched - median) / Math.Sqrt(median + 1);
        return decoyZ < scored.Z ? scored with { Z = decoyZ } : scored;
    }

    // Peaks the alignment puts outside the track are not compared (nor can they match).
    private static bool OutsideTrack(TrackPeaks reference, double trackFrame) =>
        trackFrame < -FineTimeTolerance || trackFrame > reference.FrameCount + FineTimeTolerance;

    private static (int Matched, int Compared) CountMatches(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment alignment)
    {
        int matched = 0, compared = 0;
        var cursor = default(Cursor);
        foreach (var peak in query)
        {
            var trackFrame = alignment.TrackFrame(peak.Frame);
            if (OutsideTrack(reference, trackFrame))
            {
                continue;
            }

            compared++;
            if (NearestMatch(reference, ref cursor, trackFrame, peak.Bin / alignment.FreqScale, FineTimeTolerance) >= 0)
            {
                matched++;
            }
        }

        return (matched, compared);
    }

    private void CollectPairs(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment alignment, double tolerance)
    {
        _pairs.Clear();
        var cursor = default(Cursor);
        foreach (var peak in query)
        {
            var expected = alignment.TrackFrame(peak.Frame);
            var nearest = NearestMatch(reference, ref cursor, expected, peak.Bin / alignment.FreqScale, tolerance);
            if (nearest >= 0)
            {
                _pairs.Add((peak.Frame, nearest));
            }
        }
    }

    // Pairs are collected within a few frames of the hypothesis' line, so a song between two grid speeds fits a slope
    // pulled towards the cell that found it; fitted again on the pairs of the refined line it moves on to its own.
    private const int MaxRefits = 4;
    private const double RefitSettled = 0.0005;
    private const double MaxSlopeFromCell = 0.02;

    private Alignment FitSlope(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment cell) =>
        FitSlope(query, reference, cell, MaxRefits, CellSlopeStep, MaxSlopeFromCell);

    /// <summary>
    /// A clip's own slope, fitted from <paramref name="start"/> on the pairs near its line and moved as far as the fit
    /// goes. Over 5 s a cell 2 % off the true speed still confirms most peaks, so the best-scoring cell's slope, held
    /// near the cell by <see cref="FitSlope(ReadOnlySpan{Peak}, TrackPeaks, Alignment)"/>, is often the neighbour's.
    /// </summary>
    public Alignment FitSlopeFreely(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment start) =>
        FitSlope(query, reference, start, MaxFreeRefits, FreeSlopeStep, double.PositiveInfinity);

    private const int MaxFreeRefits = 8;
    private const double FreeSlopeStep = 0.03;
    private const double CellSlopeStep = 0.012;

    private Alignment FitSlope(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment cell, int maxRefits, double slopeStep, double maxFromCell)
    {
        var fitted = cell;
        for (var i = 0; i < maxRefits; i++)
        {
            CollectPairs(query, reference, fitted, CoarseTimeTolerance);
            var next = Refit(fitted, slopeStep);
            var settled = Math.Abs(next.TimeScale - fitted.TimeScale) < RefitSettled;
            if (Math.Abs(next.TimeScale - cell.TimeScale) > maxFromCell)
            {
                break;
            }

            fitted = next;
            if (settled)
            {
                break;
            }
        }

        return fitted;
    }

    private Alignment Refit(Alignment alignment, double maxSlopeStep)
    {
        if (_pairs.Count < 8)
        {
            return alignment;
        }

        // Least squares of track frame on query frame; the intercept alone when the span is too short for a slope.
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (q, t) in _pairs)
        {
            var x = q - alignment.QueryOrigin;
            sx += x;
            sy += t;
            sxx += (double)x * x;
            sxy += x * t;
        }

        var n = _pairs.Count;
        var varX = sxx - sx * sx / n;
        var slope = alignment.TimeScale;
        if (varX > n * 100.0)
        {
            var fitted = (sxy - sx * sy / n) / varX;
            if (Math.Abs(fitted - alignment.TimeScale) < maxSlopeStep)
            {
                slope = fitted;
            }
        }

        var intercept = (sy - slope * sx) / n;
        return alignment with { TrackFrameAtOrigin = intercept, TimeScale = slope };
    }

    public VerifiedAlignment Score(ReadOnlySpan<Peak> query, TrackPeaks reference, Alignment alignment)
    {
        int compared = 0, matched = 0;
        double expected = 0, variance = 0;
        _compared.Clear();
        Cursor nearby = default, around = default, aroundEnd = default;
        foreach (var peak in query)
        {
            var trackFrame = alignment.TrackFrame(peak.Frame);
            if (OutsideTrack(reference, trackFrame))
            {
                continue;
            }

            compared++;
            var bin = peak.Bin / alignment.FreqScale;
            var found = NearestMatch(reference, ref nearby, trackFrame, bin, FineTimeTolerance);
            var chance = ChanceOfMatch(reference, ref around, ref aroundEnd, trackFrame, bin);
            expected += chance;
            variance += chance * (1 - chance);
            if (found >= 0)
            {
                matched++;
            }

            _compared.Add((peak.Frame, chance, found >= 0));
        }

        var z = (matched - expected) / Math.Sqrt(variance + 1);
        var (first, last) = SupportedExtent();
        return new VerifiedAlignment(alignment, matched, compared, z, first, last, expected, variance);
    }

    // The extent of a match runs between confirmed peaks whose neighbourhood (±SupportRadius) confirms clearly more
    // than chance would there: near a song's end, chance hits in the next song must not stretch it.
    private (long First, long Last) SupportedExtent()
    {
        long first = long.MaxValue, last = long.MinValue, firstAny = 0, lastAny = 0;
        var anyMatched = false;
        int lo = 0, hi = 0, matchedIn = 0;
        double expectedIn = 0, varianceIn = 0;
        for (var i = 0; i < _compared.Count; i++)
        {
            var (frame, _, isMatch) = _compared[i];
            while (hi < _compared.Count && _compared[hi].Frame - frame <= SupportRadius)
            {
                Add(_compared[hi++], 1);
            }

            while (frame - _compared[lo].Frame > SupportRadius)
            {
                Add(_compared[lo++], -1);
            }

            if (!isMatch)
            {
                continue;
            }

            if (!anyMatched)
            {
                firstAny = frame;
                anyMatched = true;
            }

            lastAny = frame;
            if (matchedIn > SupportNeeded && matchedIn - expectedIn >= SupportZ * Math.Sqrt(varianceIn + 1))
            {
                first = Math.Min(first, frame);
                last = Math.Max(last, frame);
            }
        }

        return first <= last ? (first, last) : (firstAny, lastAny);

        void Add((long Frame, double Chance, bool Matched) peak, int sign)
        {
            matchedIn += peak.Matched ? sign : 0;
            expectedIn += sign * peak.Chance;
            varianceIn += sign * peak.Chance * (1 - peak.Chance);
        }
    }

    /// <summary>Bins a peak may sit from its aligned frequency and still confirm it.</summary>
    internal static double BinTolerance(double bin) => 0.9 + 0.004 * bin;

    // Music puts peaks where its harmony is, so chance is judged from the reference's own peak density around
    // the predicted spot (a box NullBoxFrames × NullBoxBins tolerance-widths), not from a uniform spread.
    internal const int NullBoxFrames = 12;
    internal const double NullBoxWidths = 6;

    // A sustained note puts peaks on one frequency line at arbitrary times; two pieces holding the same note
    // then coincide far above the box density. The line model counts the reference's peaks on the predicted
    // line over a longer span; the larger of the two estimates is the chance.
    private const int LineFrames = 32;

    // The neighbourhood's first and last peaks each have a cursor: successive query peaks move both a peak or two on.
    private static double ChanceOfMatch(TrackPeaks reference, ref Cursor start, ref Cursor end, double frame, double bin)
    {
        var binTolerance = BinTolerance(bin);
        var span = Math.Max(NullBoxFrames, LineFrames);
        var from = start.LowerBound(reference, (int)Math.Ceiling(frame - span));
        var to = Math.Max(from, end.LowerBound(reference, (int)Math.Floor(frame + span) + 1));
        var (lineCount, boxCount) = NeighbourCounts(reference.Packed[from..to], frame, bin, binTolerance);

        // Window area over tolerance area; half a pseudo-peak keeps empty neighbourhoods from claiming zero chance.
        var box = (boxCount + 0.5) * (2 * FineTimeTolerance) / (2.0 * NullBoxFrames * NullBoxWidths);
        return Math.Min(0.5, Math.Max(box, LineChance(lineCount)));
    }

    /// <summary>
    /// Of <paramref name="packed"/>, the peaks within <paramref name="binTolerance"/> of <paramref name="bin"/> (the line)
    /// and those within <see cref="NullBoxFrames"/> of <paramref name="frame"/> and <see cref="NullBoxWidths"/> tolerances
    /// of the bin (the box).
    /// </summary>
    internal static (int Line, int Box) NeighbourCounts(ReadOnlySpan<uint> packed, double frame, double bin, double binTolerance) =>
        CountNear(
            packed,
            Passing(bin, binTolerance, QuarterBinsPerBin, (int)TrackPeaks.BinMask),
            Passing(bin, NullBoxWidths * binTolerance, QuarterBinsPerBin, (int)TrackPeaks.BinMask),
            Passing(frame, NullBoxFrames, 1, TrackPeaks.MaxFrames - 1));

    private const int QuarterBinsPerBin = 4;

    // The tests of a peak's distance become ranges of whole quarter bins and frames, so counting is integer compares on the
    // packed peaks, a vector at a time (that loop was most of scoring). The range is the integers x in [0, max] with
    // |x / units - centre| <= radius, its edges found by that same floating-point test (x / units is exact), so the counts
    // are the ones the test gave peak by peak. A range with Hi < Lo is empty.
    private static (int Lo, int Hi) Passing(double centre, double radius, int units, int max)
    {
        var lo = (int)Math.Clamp(Math.Floor(units * (centre - radius)) - 1, 0, max + 1.0);
        var hi = (int)Math.Clamp(Math.Ceiling(units * (centre + radius)) + 1, -1, max);
        while (lo <= hi && !(Math.Abs(lo / (double)units - centre) <= radius))
        {
            lo++;
        }

        while (hi >= lo && !(Math.Abs(hi / (double)units - centre) <= radius))
        {
            hi--;
        }

        return (lo, hi);
    }

    // Peaks whose quarter bin is in line, and those whose frame is in boxFrames and quarter bin in boxBins. A range test
    // is one unsigned compare, value - lo <= hi - lo; an empty range gets lo = uint.MaxValue and span 0, which nothing passes.
    private static (int Line, int Box) CountNear(ReadOnlySpan<uint> packed, (int Lo, int Hi) line, (int Lo, int Hi) boxBins, (int Lo, int Hi) boxFrames)
    {
        var (lineLo, lineSpan) = Unsigned(line.Lo, line.Hi);
        var (boxLo, boxSpan) = Unsigned(boxBins.Lo, boxBins.Hi);
        var (frameLo, frameSpan) = boxFrames.Lo <= boxFrames.Hi
            ? ((uint)boxFrames.Lo << TrackPeaks.BinBits, ((uint)(boxFrames.Hi - boxFrames.Lo + 1) << TrackPeaks.BinBits) - 1)
            : (uint.MaxValue, 0u);
        int lineCount = 0, boxCount = 0, i = 0;
        if (Vector256.IsHardwareAccelerated && packed.Length >= Vector256<uint>.Count)
        {
            var bins = Vector256.Create(TrackPeaks.BinMask);
            Vector256<uint> lines = default, boxes = default;
            ref var first = ref MemoryMarshal.GetReference(packed);
            for (; i + Vector256<uint>.Count <= packed.Length; i += Vector256<uint>.Count)
            {
                var peaks = Vector256.LoadUnsafe(ref first, (nuint)i);
                var quarterBins = peaks & bins;
                // A passing lane is all ones: subtracting it adds one.
                lines -= Vector256.LessThanOrEqual(quarterBins - Vector256.Create(lineLo), Vector256.Create(lineSpan));
                boxes -= Vector256.LessThanOrEqual(peaks - Vector256.Create(frameLo), Vector256.Create(frameSpan))
                    & Vector256.LessThanOrEqual(quarterBins - Vector256.Create(boxLo), Vector256.Create(boxSpan));
            }

            lineCount = (int)Vector256.Sum(lines);
            boxCount = (int)Vector256.Sum(boxes);
        }

        for (; i < packed.Length; i++)
        {
            var quarterBin = packed[i] & TrackPeaks.BinMask;
            lineCount += quarterBin - lineLo <= lineSpan ? 1 : 0;
            boxCount += packed[i] - frameLo <= frameSpan && quarterBin - boxLo <= boxSpan ? 1 : 0;
        }

        return (lineCount, boxCount);

        static (uint Lo, uint Span) Unsigned(int lo, int hi) => lo <= hi ? ((uint)lo, (uint)(hi - lo)) : (uint.MaxValue, 0u);
    }

    private static double LineChance(int lineCount) => (lineCount + 0.5) * (2 * FineTimeTolerance) / (2.0 * LineFrames);

    /// <summary>Frame of the nearest reference peak within tolerance of (frame, bin), or -1.</summary>
    private static double NearestMatch(TrackPeaks reference, ref Cursor cursor, double frame, double bin, double tolerance)
    {
        var lo = (int)Math.Ceiling(frame - tolerance);
        var hi = (int)Math.Floor(frame + tolerance);
        var binTolerance = BinTolerance(bin);
        var best = -1.0;
        var bestDistance = double.MaxValue;
        var packed = reference.Packed;
        for (var i = cursor.LowerBound(reference, lo); i < packed.Length; i++)
        {
            var f = TrackPeaks.FrameOf(packed[i]);
            if (f > hi)
            {
                break;
            }

            if (Math.Abs(TrackPeaks.BinOf(packed[i]) - bin) <= binTolerance)
            {
                var distance = Math.Abs(f - frame);
                if (distance < bestDistance)
                {
                    bestDistance = distance;
                    best = f;
                }
            }
        }

        return best;
    }

    /// <summary>
    /// Where the last search of one pass over the query ended. Query peaks come in frame order and an alignment keeps
    /// it, so each search starts there instead of bisecting the whole track; a frame out of order searches afresh.
    /// </summary>
    private struct Cursor
    {
        private int _frame;
        private int _index;

        public int LowerBound(TrackPeaks reference, int frame)
        {
            _index = frame >= _frame ? reference.LowerBound(frame, _index) : reference.LowerBound(frame);
            _frame = frame;
            return _index;
        }
    }
}

/// <summary>
/// A scored alignment; <see cref="Expected"/> and <see cref="Variance"/> are the chance model's mean and variance of
/// <see cref="Matched"/>, so scores of adjacent stretches can be summed.
/// </summary>
public readonly record struct VerifiedAlignment(
    Alignment Alignment, int Matched, int Compared, double Z, long FirstMatchFrame, long LastMatchFrame,
    double Expected = 0, double Variance = 0);
