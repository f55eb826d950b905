namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// How a broadcast may differ in speed from the catalogue recording. <see cref="TimeScale"/> maps query time to
/// reference time (reference = query × TimeScale); <see cref="FreqScale"/> maps reference frequency to query
/// frequency. A vinyl-style speed-up scales both by the same factor; a time-stretch changes only time.
/// </summary>
public readonly record struct SpeedHypothesis(float TimeScale, float FreqScale)
{
    // Declared before the grid: static initialisers run in textual order, and the grid starts with it.
    public static SpeedHypothesis Identity { get; } = new(1f, 1f);

    /// <summary>
    /// The grid searched at match time. Hashes tolerate about ±0.5 %, so 1 % steps cover ±5 % speed-up and
    /// ±3 % tempo-only changes without a gap.
    /// </summary>
    public static IReadOnlyList<SpeedHypothesis> DefaultGrid { get; } = BuildGrid();

    private static SpeedHypothesis[] BuildGrid()
    {
        var grid = new List<SpeedHypothesis> { Identity };
        for (var step = 1; step <= 5; step++)
        {
            foreach (var sign in (ReadOnlySpan<int>)[1, -1])
            {
                var s = 1f + sign * step * 0.01f;
                grid.Add(new SpeedHypothesis(s, s));
                if (step <= 3)
                {
                    grid.Add(new SpeedHypothesis(s, 1f));
                }
            }
        }

        return [.. grid];
    }
}
