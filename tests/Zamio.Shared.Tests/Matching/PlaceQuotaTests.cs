using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Matching;

public class PlaceQuotaTests
{
    [Fact]
    public void Admit_ManySpeedCellsAtOnePlace_OnlyTheFirstTwo()
    {
        var quota = new PlaceQuota();

        var admitted = Enumerable.Range(0, 5).Select(i => quota.Admit(track: 7, place: 1000 + 3 * i)).ToList();

        Assert.Equal([true, true, false, false, false], admitted);
    }

    [Fact]
    public void Admit_LoopRepeatsOfOneTrack_APlaceForEachOfThree()
    {
        // A loop-based track whose repeats at 200 and 400 frames out-vote its true place at 600: each repeat may take
        // two cells, and the true place must still get in behind them.
        var quota = new PlaceQuota();
        double[] places = [200, 201, 400, 402, 200, 600, 603, 800];

        var admitted = places.Select(p => quota.Admit(3, p)).ToList();

        Assert.Equal([true, true, true, true, false, true, true, false], admitted);
    }

    [Fact]
    public void Admit_OtherTrackAfterAFullTrack_StillAdmitted()
    {
        var quota = new PlaceQuota();
        foreach (var place in new double[] { 0, 1, 100, 101, 200, 201 })
        {
            quota.Admit(1, place);
        }

        Assert.False(quota.Admit(1, 300));
        Assert.True(quota.Admit(2, 0));
    }

    [Fact]
    public void Clear_AfterAFullTrack_AdmitsItAgain()
    {
        var quota = new PlaceQuota();
        quota.Admit(1, 0);
        quota.Admit(1, 1);

        quota.Clear();

        Assert.True(quota.Admit(1, 2));
    }
}
