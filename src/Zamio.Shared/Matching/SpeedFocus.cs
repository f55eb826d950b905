using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Matching;

/// <summary>
/// Which speed hypotheses a stream's new blocks search while a song is identified. A song at its original speed (whichever
/// grid cell found it) needs the identity hypothesis alone: 1 of 17. A song aired off speed needs the cell that found it
/// and that cell's neighbours in its family (speed-up or tempo-only): a loop-based song can out-score its true alignment
/// under a neighbouring tempo, and the true cell must stay in the search so the stream is not held there. Radio plays
/// whole programmes 2-5 % fast, so without this a sped-up station searched the whole grid all day.
/// </summary>
internal sealed class SpeedFocus
{
    private const double OriginalSpeedTolerance = 0.005;
    private const double SameScale = 1e-6;

    private readonly IReadOnlyList<SpeedHypothesis> _speeds;
    private readonly int[] _identity;
    private readonly int[][] _neighbourhoods;

    public SpeedFocus(IReadOnlyList<SpeedHypothesis> speeds)
    {
        _speeds = speeds;
        _identity = [.. Enumerable.Range(0, speeds.Count).Where(s => speeds[s] == SpeedHypothesis.Identity)];
        Start = [.. _identity];
        _neighbourhoods = [.. Enumerable.Range(0, speeds.Count).Select(Neighbourhood)];
    }

    /// <summary>
    /// What a new stream's first blocks search: the original speed, where most radio airs. It is not the focus of a song
    /// found at that speed (<see cref="IsOriginal"/> is false), so a window that names nothing with it is matched again
    /// on the whole grid at once, as a window focused off speed is, and its blocks are voted again.
    /// </summary>
    public int[] Start { get; }

    /// <summary>The hypotheses to search around a song found at <paramref name="alignment"/>; empty means all.</summary>
    public int[] Around(Alignment alignment)
    {
        if (Math.Abs(alignment.FreqScale - 1) < SameScale && Math.Abs(alignment.TimeScale - 1) < OriginalSpeedTolerance)
        {
            return _identity;
        }

        // The verifier refines the time scale; the frequency scale is the cell's own.
        var cell = -1;
        for (var s = 0; s < _speeds.Count; s++)
        {
            if (Math.Abs(_speeds[s].FreqScale - alignment.FreqScale) < SameScale
                && (cell < 0 || Math.Abs(_speeds[s].TimeScale - alignment.TimeScale) < Math.Abs(_speeds[cell].TimeScale - alignment.TimeScale)))
            {
                cell = s;
            }
        }

        return cell < 0 ? [] : _neighbourhoods[cell];
    }

    /// <summary>Whether <paramref name="focus"/> (from <see cref="Around"/>) is that of a song at its original speed.</summary>
    public bool IsOriginal(int[] focus) => ReferenceEquals(focus, _identity);

    // The cell and the next slower and faster cells of its family (identity belongs to both families).
    private int[] Neighbourhood(int cell)
    {
        var family = Enumerable.Range(0, _speeds.Count)
            .Where(s => SameFamily(_speeds[s], _speeds[cell]))
            .OrderBy(s => _speeds[s].TimeScale)
            .ToList();
        var at = family.IndexOf(cell);
        return [.. family.Where((_, i) => Math.Abs(i - at) <= 1).Order()];
    }

    private static bool IsSpeedUp(SpeedHypothesis s) => Math.Abs(s.TimeScale - s.FreqScale) < SameScale;

    private static bool IsTempo(SpeedHypothesis s) => Math.Abs(s.FreqScale - 1) < SameScale;

    private static bool SameFamily(SpeedHypothesis a, SpeedHypothesis b) =>
        (IsSpeedUp(a) && IsSpeedUp(b)) || (IsTempo(a) && IsTempo(b));
}
