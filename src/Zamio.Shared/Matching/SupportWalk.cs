using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Shared.Matching;

/// <summary>
/// Finds how far a known alignment reaches into audio where the song is masked (a presenter over its intro, the next
/// song over its fade), from the stream's support peaks: for each catalogue peak the alignment puts there, is there a
/// support peak at its place? Under speech most landmarks are the voice's, but a fair share of the song's peaks still
/// stand out locally.
/// </summary>
/// <remarks>
/// Each catalogue peak is a Bernoulli trial: found by chance with probability p (the share of decoy places around it,
/// same frequency, a moment earlier or later, that hold a support peak; two pieces holding the same note hit there as
/// often as at the alignment), or with q = p + (1 - p)·<see cref="Presence"/> while the
/// song sounds. The walk sums the log-likelihood ratio peak by peak away from the confirmed edge; where the song is
/// absent the sum drifts down, and by Wald's bound it ever rises <c>g</c> above its best with probability at most
/// e^-g. So the reach is the last peak at which the sum set a new best by <see cref="MinGain"/>, and the walk stops
/// once the sum is <see cref="GiveUp"/> below its best, or at the track's own edge if the sum gained
/// <see cref="EdgeGain"/> on the way there. Peak by peak, no chunk grid decides what gets through.
/// </remarks>
internal sealed class SupportWalk
{
    // Share of the song's peaks that survive as support peaks under a presenter (measured: 15-40 % under talk-over).
    private const double Presence = 0.15;

    // Odds of e^5 (about 150 to 1) per step. Trials are not quite independent (one support peak can serve two
    // catalogue peaks of a held note), so the bound is looser than Wald's; e^3 still walked into white noise.
    private const double MinGain = 5.0;
    private const double GiveUp = 6.0;

    // Songs are mostly aired from their first note, so a walk that reaches the track's own first (or last) peak tests
    // one place fixed in advance, not the best of many: there the sum need only gain this much over its best. A quiet,
    // sparse intro has too few peaks to gain MinGain anywhere. Tuned on the main set: 0 also took a neutral 7 s
    // stretch before an alignment one loop off in a repetitive song; 3 lost two sparse intros.
    private const double EdgeGain = 2.0;

    // A song fading out leaves evidence as it goes; past its end, hits that come in step (a jingle's beat on the track's
    // notes, music in the same tempo) are not independent trials, and the sum can creep up on chance alone over seconds
    // without a gain. So a walk that gains nothing for this long has passed the song's edge, unless the caller lets it
    // cross long gaps (walking back under a presenter, whose speech can bury an intro for 8-16 s). On the benchmark sets,
    // at five window phases, forward gains 3.0-3.2 s after the last were a fade under the next song, and those 3.6-8.3 s
    // after it all past the song's end.
    private static readonly int MaxGapFrames = FingerprintSettings.SecondsToFrame(3.5);

    // A support peak confirms a catalogue peak within the tolerances a landmark does.
    private const double FrameTolerance = Verifier.FineTimeTolerance;

    // Decoy places: the same frequency, this many frames earlier or later (irregular, so no beat lines them all up).
    private static readonly int[] DecoyFrames = [-37, -22, -13, -7, 7, 13, 22, 37];

    // A peak's own eight decoys are too few: a hit where none of them hit would count as very unlikely by chance, and
    // those errors do not cancel. The rate is shrunk towards that of all decoys within this many frames.
    private const int PoolFrames = 16;
    private const double PoolWeight = 16;

    private readonly List<(long Frame, bool Hit, int DecoyHits, int Decoys)> _trials = [];
    private readonly List<(long Frame, bool Hit, double Chance)> _samples = [];

    /// <summary>
    /// The query frame the alignment's evidence reaches from <paramref name="from"/> towards <paramref name="limit"/>
    /// (earlier when <paramref name="limit"/> is below <paramref name="from"/>), or <paramref name="from"/> itself.
    /// <paramref name="support"/> holds every support peak of the frames [<paramref name="coveredFrom"/>,
    /// <paramref name="coveredTo"/>); decoys outside them are not counted. Unless <paramref name="acrossLongGaps"/>, a gain
    /// that comes more than 3.5 s after the last one ends the walk.
    /// </summary>
    public long Reach(ReadOnlySpan<Peak> support, long coveredFrom, long coveredTo, TrackPeaks reference, Alignment alignment, long from, long limit, bool acrossLongGaps)
    {
        var backwards = limit < from;
        var edgeInside = Collect(support, coveredFrom, coveredTo, reference, alignment, backwards ? limit : from, backwards ? from : limit, backwards);
        double sum = 0, best = 0;
        var reach = from;
        for (var k = 0; k < _samples.Count; k++)
        {
            var (frame, hit, chance) = _samples[backwards ? _samples.Count - 1 - k : k];
            var present = chance + (1 - chance) * Presence;
            sum += hit ? Math.Log(present / chance) : Math.Log((1 - present) / (1 - chance));
            if (hit && sum >= best + MinGain)
            {
                if (!acrossLongGaps && Math.Abs(frame - reach) > MaxGapFrames)
                {
                    return reach;
                }

                best = sum;
                reach = frame;
            }
            else if (sum < best - GiveUp)
            {
                return reach;
            }
        }

        return edgeInside && _samples.Count > 0 && sum >= best + EdgeGain
            ? _samples[backwards ? 0 : _samples.Count - 1].Frame
            : reach;
    }

    // Catalogue peaks whose aligned query frame lies in [from, to), in query-frame order. True when the walk's far end
    // (from when walking backwards, else to) lies beyond the track's own edge, so its first (last) peak is among them.
    private bool Collect(ReadOnlySpan<Peak> support, long coveredFrom, long coveredTo, TrackPeaks reference, Alignment alignment, long from, long to, bool backwards)
    {
        _trials.Clear();
        _samples.Clear();
        var packed = reference.Packed;
        var trackFrom = alignment.TrackFrame(from);
        var trackTo = alignment.TrackFrame(to);
        var first = reference.LowerBound((int)Math.Ceiling(Math.Max(0, trackFrom)));
        var edgeInside = backwards ? first == 0 : packed.Length == 0 || reference.LastFrame < trackTo;
        for (var i = first; i < packed.Length; i++)
        {
            var trackFrame = TrackPeaks.FrameOf(packed[i]);
            if (trackFrame >= trackTo)
            {
                break;
            }

            var frame = alignment.QueryFrame(trackFrame);
            var bin = TrackPeaks.BinOf(packed[i]) * alignment.FreqScale;
            var hit = Has(support, frame, bin);
            int decoyHits = 0, decoys = 0;
            foreach (var shift in DecoyFrames)
            {
                var decoy = frame + shift;
                if (decoy - FrameTolerance < coveredFrom || decoy + FrameTolerance >= coveredTo)
                {
                    continue;
                }

                decoys++;
                decoyHits += Has(support, decoy, bin) ? 1 : 0;
            }

            _trials.Add(((long)Math.Round(frame), hit, decoyHits, decoys));
        }

        int lo = 0, hi = 0, poolHits = 0, poolDecoys = 0;
        foreach (var (frame, hit, decoyHits, decoys) in _trials)
        {
            for (; hi < _trials.Count && _trials[hi].Frame <= frame + PoolFrames; hi++)
            {
                poolHits += _trials[hi].DecoyHits;
                poolDecoys += _trials[hi].Decoys;
            }

            for (; _trials[lo].Frame < frame - PoolFrames; lo++)
            {
                poolHits -= _trials[lo].DecoyHits;
                poolDecoys -= _trials[lo].Decoys;
            }

            // Half a pseudo-hit keeps an empty neighbourhood from claiming that a hit there is impossible by chance.
            var pooled = (poolHits + 0.5) / (poolDecoys + 1);
            var chance = (decoyHits + PoolWeight * pooled) / (decoys + PoolWeight);
            _samples.Add((frame, hit, Math.Clamp(chance, 0.02, 0.5)));
        }

        return edgeInside;
    }

    private static bool Has(ReadOnlySpan<Peak> support, double frame, double bin)
    {
        var tolerance = Verifier.BinTolerance(bin);
        for (var i = Peak.FirstAtOrAfter(support, (long)Math.Ceiling(frame - FrameTolerance)); i < support.Length && support[i].Frame <= frame + FrameTolerance; i++)
        {
            if (Math.Abs(support[i].Bin - bin) <= tolerance)
            {
                return true;
            }
        }

        return false;
    }
}
