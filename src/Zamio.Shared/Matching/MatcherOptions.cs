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

    public double Calibrate(double z, int matched, int compared)
    {
        if (matched < MinMatchedPeaks || compared == 0)
        {
            return 0;
        }

        return 1 / (1 + Math.Exp(-(z - ZMidpoint) / ZScale));
    }
}
