using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Api;
using Zamio.Central.Stations;
using Zamio.Central.Hosting;

namespace Zamio.Central.Tests.Api;

public sealed class StationTokenAuthTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Check_MadeUpKeysPastTheBurst_OtherStationsKeyIs401UntilTheBucketRefillsThen403()
    {
        var store = new StationStore(CentralDatabase.Open(_dir.Path), _time);
        var own = store.Add("joy-fm");
        var other = store.Add("kiss-fm");
        var auth = new StationTokenAuth(store, _time);
        for (var i = 0; i < StationTokenAuth.ScanBurst; i++)
        {
            Assert.Equal(StationAuthResult.Unauthenticated, auth.Check($"made-up-{i}", "joy-fm"));
        }

        // Each made-up key cost a scan of every station; the next one is not scanned for.
        Assert.Equal(StationAuthResult.Unauthenticated, auth.Check(other, "joy-fm"));
        Assert.Equal(StationAuthResult.Ok, auth.Check(own, "joy-fm"));

        _time.Advance(TimeSpan.FromSeconds(1 / StationTokenAuth.ScansPerSecond));
        Assert.Equal(StationAuthResult.Forbidden, auth.Check(other, "joy-fm"));
    }

    [Fact]
    public void Check_OtherStationsKeyOnceKnown_Is403WithoutAScan()
    {
        var store = new StationStore(CentralDatabase.Open(_dir.Path), _time);
        store.Add("joy-fm");
        var other = store.Add("kiss-fm");
        var auth = new StationTokenAuth(store, _time);
        Assert.Equal(StationAuthResult.Ok, auth.Check(other, "kiss-fm"));
        for (var i = 0; i < StationTokenAuth.ScanBurst; i++)
        {
            auth.Check($"made-up-{i}", "joy-fm");
        }

        Assert.Equal(StationAuthResult.Forbidden, auth.Check(other, "joy-fm"));
    }
}
