using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Central.Catalog;

/// <summary>
/// Catalogue entries that hold another entry's recording (a remaster, a compilation copy, a medley, a version built on
/// the same loop). Airings of shared audio are one play of one entry, and the other's is retracted as its shadow, so an
/// operator should know which entries share what. Each track's own peaks are matched in 10 s segments every 2.5 s against
/// every other track (at the recorded speed, or over a speed grid for versions of one recording at another speed, such
/// as a faster edit); as for long clips, two or more segments must agree (one track at one position), since a lone
/// segment is a 10 s clip's chance of a false answer taken once per segment. Shared stretches of about 12 s or more are
/// found; per stretch, the other entry that explains it best.
/// </summary>
public static class CatalogOverlaps
{
    private static readonly int SegmentFrames = FingerprintSettings.SecondsToFrame(10);
    private static readonly int StepFrames = FingerprintSettings.SecondsToFrame(2.5);
    private const int MinAgreeing = 2;

    /// <param name="index">The catalogue.</param>
    /// <param name="speeds">The speeds searched; null: the recorded speed only.</param>
    /// <param name="trackDone">Called with each track's id once it has been matched (from any thread).</param>
    public static IReadOnlyList<Overlap> Find(FingerprintIndex index, IReadOnlyList<SpeedHypothesis>? speeds = null, Action<string>? trackDone = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        var perTrack = new List<Overlap>[index.Tracks.Count];
        using var matchers = new ThreadLocal<Matcher>(() => new Matcher(index, speeds: speeds ?? [SpeedHypothesis.Identity]));
        Parallel.For(0, perTrack.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, t =>
        {
            perTrack[t] = OfTrack(matchers.Value!, index, t);
            trackDone?.Invoke(index.Tracks[t].Id);
        });
        return [.. perTrack.SelectMany(o => o)];
    }

    /// <summary>Seconds of the track that the stretches cover, each second counted once (loops repeat a stretch).</summary>
    public static double Covered(IEnumerable<Overlap> stretches)
    {
        double covered = 0, reached = double.NegativeInfinity;
        foreach (var stretch in stretches.OrderBy(o => o.Start))
        {
            covered += Math.Max(0, stretch.End - Math.Max(stretch.Start, reached));
            reached = Math.Max(reached, stretch.End);
        }

        return covered;
    }

    private static List<Overlap> OfTrack(Matcher matcher, FingerprintIndex index, int track)
    {
        var peaks = index.Tracks[track].Peaks.ToPeaks();
        var found = new List<TrackMatch>();
        for (var i = 0; i < peaks.Length;)
        {
            var start = peaks[i].Frame;
            var segment = peaks.AsSpan(i, Peak.FirstAtOrAfter(peaks, start + SegmentFrames) - i);
            var matches = matcher.MatchOthers(segment, track);
            if (matches.Count > 0 && matches[0].Confidence >= matcher.Options.AcceptConfidence)
            {
                found.Add(matches[0]);
            }

            if (start + SegmentFrames > peaks[^1].Frame)
            {
                break;
            }

            i = Peak.FirstAtOrAfter(peaks, start + StepFrames);
        }

        var id = index.Tracks[track].Id;
        return [.. ClipMatch.Agreeing(found)
            .Where(g => g.Count >= MinAgreeing)
            .Select(g => Describe(id, g))
            .OrderBy(o => o.Start)];
    }

    private static Overlap Describe(string track, List<TrackMatch> agreeing)
    {
        var first = agreeing.MinBy(m => m.FirstMatchFrame)!;
        var last = agreeing.MaxBy(m => m.LastMatchFrame)!;
        return new Overlap(
            track,
            FingerprintSettings.FrameCentreSeconds(first.FirstMatchFrame),
            FingerprintSettings.FrameCentreSeconds(last.LastMatchFrame),
            first.TrackId,
            FingerprintSettings.FrameCentreSeconds(first.Alignment.TrackFrame(first.FirstMatchFrame)),
            FingerprintSettings.FrameCentreSeconds(last.Alignment.TrackFrame(last.LastMatchFrame)),
            agreeing.Max(m => m.Confidence),
            first.Speed);
    }
}

/// <summary>
/// <see cref="Track"/> from <see cref="Start"/> to <see cref="End"/> (seconds of its recording) is <see cref="Shares"/>'s
/// recording from <see cref="SharesStart"/> to <see cref="SharesEnd"/>, played at <see cref="Speed"/> times its speed.
/// </summary>
public sealed record Overlap(string Track, double Start, double End, string Shares, double SharesStart, double SharesEnd, double Confidence, double Speed = 1);
