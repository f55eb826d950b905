namespace Zamio.Shared.Matching;

/// <summary>
/// A song that a stream's consecutive windows keep finding: how many windows have found it, and how early their starts
/// reached, per confidence (only the pairs that no other pair beats on both are kept).
/// </summary>
internal sealed class RunningAiring
{
    // Confidence saturates: a window minutes into a song scores 1 - 1e-12 where its first scored 1 - 1e-6. Above this
    // level they count as equal; no decision about a play is drawn that finely (a play needs one window of 0.97).
    private const double Certain = 0.999;

    private readonly List<(double Confidence, long Start)> _starts = [];

    public int Windows { get; private set; }

    /// <summary>Whether a window of this airing at least <paramref name="confidence"/> confident started at or before <paramref name="frame"/>.</summary>
    public bool Reached(double confidence, long frame)
    {
        confidence = Math.Min(confidence, Certain);
        foreach (var (reachedConfidence, start) in _starts)
        {
            if (reachedConfidence >= confidence && start <= frame)
            {
                return true;
            }
        }

        return false;
    }

    public void Add(TrackMatch match)
    {
        Windows++;
        // A continuation carries the end only: its first frame is not a start.
        if (match.Confidence <= 0 || Reached(match.Confidence, match.FirstMatchFrame))
        {
            return;
        }

        var confidence = Math.Min(match.Confidence, Certain);
        _starts.RemoveAll(s => s.Confidence <= confidence && s.Start >= match.FirstMatchFrame);
        _starts.Add((confidence, match.FirstMatchFrame));
    }
}
