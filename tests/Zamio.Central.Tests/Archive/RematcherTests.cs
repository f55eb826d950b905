using Zamio.Central.Archive;
using Zamio.Central.Catalog;
using Zamio.Central.Cli;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Matching;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Archive;

public sealed class RematcherTests : IDisposable
{
    private const int Rate = SyntheticSong.SampleRate;
    private readonly TempDirectory _dir = new();
    private readonly Matcher _matcher;

    public RematcherTests()
    {
        Directory.CreateDirectory(_dir.Combine("audio"));
        ServeFixture.WriteWav(_dir.Combine("audio", "song1.wav"), SyntheticSong.Generate(1, 60));
        Assert.Equal(0, CommandLine.Run(["catalog", "add", _dir.Combine("audio"), "--data-dir", _dir.Combine("data")]));
        using var store = SqliteCatalogStore.Open(_dir.Combine("data"));
        _matcher = new Matcher(store.LoadIndex(out _));
    }

    [Theory]
    [InlineData(0, 1)] // the agent restarted mid-song: its next stream carries the airing on
    [InlineData(90, 2)] // the same song again a minute and a half later, in the next stream: aired twice
    public void Match_SongAcrossTwoAgentStreams_OneAiringWhenTheSecondCarriesItOn(int pauseSeconds, int plays)
    {
        var song = SyntheticSong.Generate(1, 60);
        var first = StationFeed.Packets("joy-fm", song[..(30 * Rate)]);
        // The restarted agent counts frames from zero again, with a capture start of its own.
        var secondStart = StationFeed.CaptureStart.AddSeconds(30 + pauseSeconds);
        var second = StationFeed.Packets("joy-fm", pauseSeconds == 0 ? song[(30 * Rate)..] : song, startFrame: 0, captureStart: secondStart);

        var found = Rematcher.Match(first.Concat(second), _matcher);

        Assert.Equal(plays, found.Count);
        Assert.All(found, p => Assert.Equal("song1", p.Track));
        Assert.InRange((found[0].Start - StationFeed.CaptureStart).TotalSeconds, -1, 1);
        Assert.InRange((found[^1].End - secondStart).TotalSeconds, pauseSeconds == 0 ? 28 : 58, pauseSeconds == 0 ? 31 : 61);
    }

    public void Dispose() => _dir.Dispose();
}
