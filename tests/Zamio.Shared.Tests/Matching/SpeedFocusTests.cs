using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Matching;

public class SpeedFocusTests
{
    private static readonly IReadOnlyList<SpeedHypothesis> Grid = SpeedHypothesis.DefaultGrid;
    private readonly SpeedFocus _focus = new(Grid);

    private static Alignment At(double timeScale, double freqScale) => new(0, 0, timeScale, freqScale);

    private static SpeedHypothesis[] Speeds(int[] cells) => [.. cells.Select(c => Grid[c])];

    [Fact]
    public void Around_SongAtItsOriginalSpeed_IdentityAlone()
    {
        var cells = _focus.Around(At(1.003, 1));

        Assert.Equal([SpeedHypothesis.Identity], Speeds(cells));
        Assert.True(_focus.IsOriginal(cells));
    }

    [Fact]
    public void Start_NewStream_OriginalSpeedAloneButNotTheFocusOfASongFoundThere()
    {
        Assert.Equal([SpeedHypothesis.Identity], Speeds(_focus.Start));
        Assert.False(_focus.IsOriginal(_focus.Start));
    }

    [Fact]
    public void Around_SpedUpSong_ItsCellAndTheNextSpeedUpsEitherSide()
    {
        var cells = _focus.Around(At(1.027, 1.03f));

        Assert.Equal([new(1.02f, 1.02f), new(1.03f, 1.03f), new(1.04f, 1.04f)], Speeds(cells).OrderBy(s => s.TimeScale));
        Assert.False(_focus.IsOriginal(cells));
    }

    [Fact]
    public void Around_TempoChangedSong_NeighboursFromTheTempoFamily()
    {
        var cells = _focus.Around(At(1.021, 1));

        Assert.Equal([new(1.01f, 1f), new(1.02f, 1f), new(1.03f, 1f)], Speeds(cells).OrderBy(s => s.TimeScale));
    }

    [Fact]
    public void Around_OneStepFromTheOriginal_IdentityAmongTheNeighbours()
    {
        var cells = _focus.Around(At(0.99, 0.99f));

        Assert.Equal([new(0.98f, 0.98f), new(0.99f, 0.99f), SpeedHypothesis.Identity], Speeds(cells).OrderBy(s => s.TimeScale));
    }

    [Fact]
    public void Around_FrequencyScaleOfNoCell_WholeGrid()
    {
        Assert.Empty(_focus.Around(At(1.2, 1.2)));
    }
}
