namespace Zamio.Shared.Matching;

/// <summary>
/// Thresholds of the matcher. The confidence is a logistic function of the verification excess (z): fitted on
/// the accuracy benchmark so that unknown music stays well below <see cref="AcceptConfidence"/>.
/// </summary>
public sealed record MatcherOptions
{
    public static MatcherOptions Default { get; } = new();

    /// <summary>Matches below this are not reported at all.</summary>
    public double MinConfidence { get; init; } = 0.05;

    /// <summary>Matches at or above this are taken as identifications.</summary>
    public double AcceptConfidence { get; init; } = 0.5;

    /// <summary>z at which confidence is 0.5.</summary>
    public double ZMidpoint { get; init; } = 6.0;

    /// <summary>z per logistic unit.</summary>
    public double ZScale { get; init; } = 0.4;

    /// <summary>At least this many confirmed peaks for any confidence.</summary>
    public int MinMatchedPeaks { get; init; } = 6;

    /// <summary>
    /// A clip's second wider search (time differences also a frame longer and shorter) casts about nine times the votes
    /// of its plain search. It is left out when the plain search cast more than this many: a catalogue of some hundreds
    /// of hours, where it took most of a second for a clip that matches nothing (about 50 ns a vote; 0.7-2.8 million
    /// plain votes for a 10 s clip at 1,000 h, 40-170 thousand at 60 h, where it stays).
    /// </summary>
    public int JitteredSearchMaxVotes { get; init; } = 300_000;

    public double Calibrate(double z, int matched, int compared)
    {
        if (matched < MinMatchedPeaks || compared == 0)
        {
            return 0;
        }

        return 1 / (1 + Math.Exp(-(z - ZMidpoint) / ZScale));
    }
}
