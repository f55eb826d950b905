using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

public class TopicsTests
{
    [Fact]
    public void Fingerprints_ValidStation_BuildsTopic()
    {
        Assert.Equal("zamio/v1/stations/joy-fm.99_7/fp", Topics.Fingerprints("joy-fm.99_7"));
        Assert.Equal("zamio/v1/stations/joy-fm/status", Topics.Status("joy-fm"));
    }

    [Fact]
    public void SharedFingerprints_IsSharedSubscriptionOverAllStations()
    {
        Assert.Equal("$share/zamio-central/zamio/v1/stations/+/fp", Topics.SharedFingerprints);
        Assert.Equal("zamio/v1/stations/+/fp", Topics.AllFingerprints);
        Assert.Equal("zamio/v1/stations/+/status", Topics.AllStatus);
    }

    [Theory]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/b")]
    [InlineData("with space")]
    public void Fingerprints_InvalidStation_Throws(string stationId)
    {
        Assert.Throws<ArgumentException>(() => Topics.Fingerprints(stationId));
    }

    [Theory]
    [InlineData("zamio/v1/stations/joy-fm/fp", "joy-fm", StationTopicKind.Fingerprints)]
    [InlineData("zamio/v1/stations/A.b_c-9/status", "A.b_c-9", StationTopicKind.Status)]
    public void TryParse_ValidTopic_ExtractsStation(string topic, string station, StationTopicKind kind)
    {
        Assert.True(Topics.TryParse(topic, out var id, out var parsedKind));
        Assert.Equal(station, id);
        Assert.Equal(kind, parsedKind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("zamio/v1/stations/joy-fm")]
    [InlineData("zamio/v1/stations//fp")]
    [InlineData("zamio/v1/stations/+/fp")]
    [InlineData("zamio/v1/stations/a/b/fp")]
    [InlineData("zamio/v1/stations/joy-fm/fp/extra")]
    [InlineData("zamio/v1/stations/joy-fm/FP")]
    [InlineData("zamio/v2/stations/joy-fm/fp")]
    [InlineData("$share/zamio-central/zamio/v1/stations/joy-fm/fp")]
    [InlineData("/zamio/v1/stations/joy-fm/fp")]
    [InlineData("zamio/v1/stations/jöy/fp")]
    public void TryParse_InvalidTopic_ReturnsFalse(string? topic)
    {
        Assert.False(Topics.TryParse(topic, out var id, out _));
        Assert.Null(id);
    }

    [Fact]
    public void TryParse_StationIdTooLong_ReturnsFalse()
    {
        Assert.False(Topics.TryParse($"zamio/v1/stations/{new string('a', 65)}/fp", out _, out _));
        Assert.True(Topics.TryParse($"zamio/v1/stations/{new string('a', 64)}/fp", out _, out _));
    }

    [Fact]
    public void ParseFingerprintStation_StatusTopic_ReturnsNull()
    {
        Assert.Null(Topics.ParseFingerprintStation("zamio/v1/stations/joy-fm/status"));
        Assert.Equal("joy-fm", Topics.ParseFingerprintStation("zamio/v1/stations/joy-fm/fp"));
    }
}
