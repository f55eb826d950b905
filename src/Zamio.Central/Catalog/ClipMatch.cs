using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Central.Catalog;

/// <summary>
/// The one answer for a clip (the identify verb, <c>POST /api/v1/identify</c>, the mobile upload). Clips up to 20 s
/// are matched whole, as the clip benchmark measures them, with <see cref="Matcher.MatchClip"/>'s wider searches.
/// Longer ones are matched in 10 s segments every 5 s and answered by the track most segments (at least two) agree on
/// at one position: matched whole, a minute of audio piles up chance coincidences with a tonal neighbour faster than
/// verification's chance model allows (90 s clips of catalogue tracks came back unanswered, or as another track at
/// full confidence, while their 15 s cuts were all right).
/// </summary>
public static class ClipMatch
{
    private static readonly int WholeFrames = FingerprintSettings.SecondsToFrame(20);
    private static readonly int SegmentFrames = FingerprintSettings.SecondsToFrame(10);
    private static readonly int StepFrames = FingerprintSettings.SecondsToFrame(5);
    private static readonly int SamePositionFrames = FingerprintSettings.SecondsToFrame(1);

    public static TrackMatch? Best(Matcher matcher, ReadOnlySpan<Peak> peaks)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        if (peaks.Length < 2 || peaks[^1].Frame - peaks[0].Frame <= WholeFrames)
        {
            return Accepted(matcher.MatchClip(peaks), matcher);
        }

        var found = new List<TrackMatch>();
        for (long start = peaks[0].Frame; ; start += StepFrames)
        {
            var end = start + SegmentFrames;
            // Segments get no wider search: a long clip has many, and two must agree anyway.
            if (Accepted(matcher.Match(peaks[Peak.FirstAtOrAfter(peaks, start)..Peak.FirstAtOrAfter(peaks, end)]), matcher) is { } match)
            {
                found.Add(match);
            }

            if (end > peaks[^1].Frame)
            {
                break;
            }
        }

        // Segments agree when they name one track at one position of it at the clip's first frame (within a second,
        // neighbour to neighbour); a lone segment is a 10 s clip's chance of a false answer taken once per segment, so
        // at least two must agree.
        return Agreeing(found)
            .Where(g => g.Count >= 2)
            .OrderByDescending(g => g.Count)
            .ThenByDescending(g => g.Sum(m => m.Score))
            .Select(g => g.MaxBy(m => m.Score))
            .FirstOrDefault();
    }

    internal static IEnumerable<List<TrackMatch>> Agreeing(List<TrackMatch> found)
    {
        List<TrackMatch>? group = null;
        foreach (var match in found.OrderBy(m => m.TrackIndex).ThenBy(m => m.Alignment.TrackFrame(0)))
        {
            if (group is not null && (group[^1].TrackIndex != match.TrackIndex
                || match.Alignment.TrackFrame(0) - group[^1].Alignment.TrackFrame(0) > SamePositionFrames))
            {
                yield return group;
                group = null;
            }

            (group ??= []).Add(match);
        }

        if (group is not null)
        {
            yield return group;
        }
    }

    private static TrackMatch? Accepted(IReadOnlyList<TrackMatch> matches, Matcher matcher) =>
        matches.Count > 0 && matches[0].Confidence >= matcher.Options.AcceptConfidence ? matches[0] : null;
}
