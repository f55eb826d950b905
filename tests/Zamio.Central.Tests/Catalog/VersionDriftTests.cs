using Zamio.Central.Catalog;

namespace Zamio.Central.Tests.Catalog;

public class VersionDriftTests
{
    [Fact]
    public void Check_ChangeAppliedBeforeTheNextCheck_NoReload()
    {
        var drift = new VersionDrift();

        Assert.False(drift.Check(remote: 8, local: 7)); // bumped, notification on its way
        Assert.False(drift.Check(remote: 8, local: 8));
        Assert.False(drift.Check(remote: 9, local: 8));
        Assert.False(drift.Check(remote: 10, local: 9)); // the index moved in between: a new difference
    }

    [Fact]
    public void Check_DifferenceOutlastsACheckWithTheIndexUnchanged_Reloads()
    {
        var drift = new VersionDrift();

        Assert.False(drift.Check(remote: 8, local: 7));
        Assert.True(drift.Check(remote: 8, local: 7));
        Assert.False(drift.Check(remote: 8, local: 8)); // reloaded
    }

    [Fact]
    public void Check_RemoteBehindLocal_ReloadsToo()
    {
        // Redis emptied and refilled: its counter starts again below what this index saw.
        var drift = new VersionDrift();

        Assert.False(drift.Check(remote: 1, local: 40));
        Assert.True(drift.Check(remote: 1, local: 40));
    }
}
