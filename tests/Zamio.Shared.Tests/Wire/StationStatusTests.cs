using System.Text;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

public class StationStatusTests
{
    private static readonly StationStatus Sample = new(
        true, "joy-fm", new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero), "1.2.0", 1, "alsa:hw:1", -18.5, false, 2,
        "overrun", 14, 0, 0.5, "Song - Artist");

    [Fact]
    public void TryParse_WhatAnAgentPublishes_RoundTrips()
    {
        Assert.True(StationStatus.TryParse(Sample.ToUtf8(), out var parsed));

        Assert.Equal(Sample, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"online\":true}")] // no station id
    [InlineData("{\"stationId\":\"joy-fm\",\"spoolDepth\":\"many\"}")]
    public void TryParse_Garbage_IsRefused(string text)
    {
        Assert.False(StationStatus.TryParse(Encoding.UTF8.GetBytes(text), out var parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void TryParse_Oversized_IsRefusedUnread()
    {
        var padded = Sample with { LastCaptureError = new string('x', StationStatus.MaxBytes) };

        Assert.False(StationStatus.TryParse(padded.ToUtf8(), out _));
    }
}
