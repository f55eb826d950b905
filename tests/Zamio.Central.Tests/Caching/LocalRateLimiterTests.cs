using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Caching;

namespace Zamio.Central.Tests.Caching;

/// <summary>The in-process limiter's support peak limit, on a fake clock that starts a peak window.</summary>
public sealed class LocalRateLimiterTests
{
    // 2026-11-02 09:00:00 UTC: a whole minute, so also the start of a 10-second peak window.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Check_StationOverItsSupportLimit_RefusedWhileAStationUnderItIsAllowed()
    {
        var limiter = Limiter(new RateLimitOptions { SupportPeaksPerSecond = 10 }); // 100 a window

        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-busy", 20, 60));
        Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, limiter.Check("st-busy", 20, 60));
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-quiet", 20, 60));
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-busy", 20, 40)); // exactly at the limit
    }

    [Fact]
    public void Check_PacketRefusedOverASupportOrPeakLimit_CountsTowardNeitherPeakLimit()
    {
        var limiter = Limiter(new RateLimitOptions { PeaksPerSecond = 5, SupportPeaksPerSecond = 10 }); // 50 and 100 a window

        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-a", 30, 90));
        Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, limiter.Check("st-a", 20, 20));
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-a", 20, 10)); // the refused packet's 20 peaks were not counted

        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-b", 30, 0));
        Assert.Equal(RateLimitVerdict.PeaksPerSecond, limiter.Check("st-b", 30, 50));
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-b", 20, 100)); // nor its 50 support peaks
    }

    [Fact]
    public void Check_PacketRefusedOverTheSupportLimit_StillCountsAsAPacket()
    {
        var limiter = Limiter(new RateLimitOptions { PacketsPerMinute = 2, SupportPeaksPerSecond = 10 });

        Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, limiter.Check("st-a", 0, 150));
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-a", 0, 10));
        Assert.Equal(RateLimitVerdict.PacketsPerMinute, limiter.Check("st-a", 0, 10));
    }

    [Fact]
    public void Check_NextPeakWindow_SupportCountsFromZeroAgain()
    {
        var limiter = Limiter(new RateLimitOptions { SupportPeaksPerSecond = 10, PeakWindowSeconds = 10 });
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-a", 0, 100));

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, limiter.Check("st-a", 0, 1));

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-a", 0, 100));
        Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, limiter.Check("st-a", 0, 1));
    }

    [Fact]
    public void Check_SupportLimitZero_IsOff()
    {
        var limiter = Limiter(new RateLimitOptions { SupportPeaksPerSecond = 0 });

        Assert.Equal(RateLimitVerdict.Allowed, limiter.Check("st-a", 0, 10_000_000));
    }

    private LocalRateLimiter Limiter(RateLimitOptions options) => new(Options.Create(options), _time);
}
