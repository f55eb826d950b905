using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Matching;

public class RunningAiringTests
{
    private static TrackMatch Window(double confidence, long first) =>
        new(3, "song", confidence, 10, new Alignment(0, 0, 1, 1), 40, 60, first, first + 200);

    [Fact]
    public void Reached_StartAtOrBeforeTheFrame_True()
    {
        var airing = new RunningAiring();
        airing.Add(Window(0.99, 1_000));

        Assert.True(airing.Reached(0.99, 1_000));
        Assert.True(airing.Reached(0.9, 1_500));
        Assert.False(airing.Reached(0.99, 999));
    }

    [Fact]
    public void Reached_OnlyLessConfidentWindowsGotThere_False()
    {
        // A play starts where its confident windows reached: a weaker window's earlier start does not settle a stronger one's.
        var airing = new RunningAiring();
        airing.Add(Window(0.6, 1_000));
        airing.Add(Window(0.99, 2_000));

        Assert.False(airing.Reached(0.99, 1_500));
        Assert.True(airing.Reached(0.99, 2_000));
        Assert.True(airing.Reached(0.6, 1_500));
    }

    [Fact]
    public void Add_ContinuationOfAFadingSong_CountsTheWindowButNoStart()
    {
        var airing = new RunningAiring();
        airing.Add(Window(0.99, 5_000));
        airing.Add(Window(0, 100));

        Assert.Equal(2, airing.Windows);
        Assert.False(airing.Reached(0, 4_999));
    }

    [Fact]
    public void Add_EarlierMoreConfidentStart_SupersedesTheOthers()
    {
        var airing = new RunningAiring();
        airing.Add(Window(0.7, 3_000));
        airing.Add(Window(0.8, 2_500));
        airing.Add(Window(1.0, 2_000));

        Assert.True(airing.Reached(0.7, 2_000));
        Assert.True(airing.Reached(1.0, 2_000));
        Assert.False(airing.Reached(0.5, 1_999));
    }

    [Fact]
    public void Reached_SaturatedConfidences_CountAsEqual()
    {
        // Windows minutes into a song score higher than its first; both are certain.
        var airing = new RunningAiring();
        airing.Add(Window(1 - 1e-6, 1_000));

        Assert.True(airing.Reached(1.0, 1_000));
        Assert.False(airing.Reached(1.0, 999));
    }
}
