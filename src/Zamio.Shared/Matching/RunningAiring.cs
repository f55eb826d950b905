namespace Zamio.Shared.Matching;

/// <summary>
/// A song that a stream's consecutive windows keep finding: how many windows have found it, and how early their starts
/// reached, per confidence (only the pairs that no other pair beats on both are kept).
/// </summary>
internal sealed class RunningAiring
{
    private readonly List<(double Confidence, long Start)> _starts = [];

    public int Windows { get; private set; }

    /// <summary>Whether a window of this airing at least <paramref name="confidence"/> confident started at or before <paramref name="frame"/>.</summary>
    public bool Reached(double confidence, long frame)
    {
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

        _starts.RemoveAll(s => s.Confidence <= match.Confidence && s.Start >= match.FirstMatchFrame);
        _starts.Add((match.Confidence, match.FirstMatchFrame));
    }
}
