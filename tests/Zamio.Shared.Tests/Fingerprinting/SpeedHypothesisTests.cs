using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Tests.Fingerprinting;

public class SpeedHypothesisTests
{
    [Fact]
    public void DefaultGrid_FirstHypothesis_IsTheIdentity()
    {
        // The grid is built by a static initialiser; one that ran before Identity's held (0, 0), a hypothesis that votes nothing.
        Assert.Equal(new SpeedHypothesis(1f, 1f), SpeedHypothesis.DefaultGrid[0]);
        Assert.Equal(new SpeedHypothesis(1f, 1f), SpeedHypothesis.Identity);
    }

    [Fact]
    public void DefaultGrid_Hypotheses_CoverSpeedUpsToFivePercentAndTempoChangesToThree()
    {
        var grid = SpeedHypothesis.DefaultGrid;

        Assert.Equal(grid.Count, grid.Distinct().Count());
        Assert.All(grid, h => Assert.InRange(h.TimeScale, 0.9499f, 1.0501f));
        Assert.All(grid, h => Assert.True(h.FreqScale == 1f || h.FreqScale == h.TimeScale, $"{h} is neither a speed-up nor a tempo change"));
        var speedUps = grid.Where(h => h.FreqScale == h.TimeScale).Select(h => (int)Math.Round((h.TimeScale - 1) * 100)).Order();
        var tempos = grid.Where(h => h.FreqScale == 1f && h.TimeScale != 1f).Select(h => (int)Math.Round((h.TimeScale - 1) * 100)).Order();
        Assert.Equal(Enumerable.Range(-5, 11), speedUps);
        Assert.Equal([-3, -2, -1, 1, 2, 3], tempos);
    }
}
