using Zamio.Central.Archive;
using Zamio.Central.Catalog;
using Zamio.Central.Cli;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Fingerprinting;
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
        ServeFixture.WriteWav(_dir.Combine("audio", "song1.wav"), SyntheticSong.Generate(1, 160));
        Assert.Equal(0, CommandLine.Run(["catalog", "add", _dir.Combine("audio"), "--data-dir", _dir.Combine("data")]));
        using var store = SqliteCatalogStore.Open(_dir.Combine("data"));
        _matcher = new Matcher(store.LoadIndex(out _));
    }

    [Theory]
    [InlineData(0, 1)] // the agent restarted mid-song: its next stream carries the airing on
    [InlineData(90, 2)] // the same song again a minute and a half later, in the next stream: aired twice
    public void Match_SongAcrossTwoAgentStreams_OneAiringWhenTheSecondCarriesItOn(int pauseSeconds, int plays)
    {
        var song = SyntheticSong.Generate(1, 160)[..(60 * Rate)];
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

    [Theory]
    [InlineData(true, 1)] // the agent's source reconnected: 90 s of audio it never had, the same airing on either side
    [InlineData(false, 2)] // 90 s with nothing heard and no flag: the song ended, and was aired again
    public void Match_NinetySecondsMissingInOneStream_OneAiringOnlyWhenTheAgentFlaggedTheGap(bool flagged, int plays)
    {
        var song = SyntheticSong.Generate(1, 160);
        var before = StationFeed.Packets("joy-fm", song[..(30 * Rate)]);
        var gap = FingerprintSettings.SecondsToFrame(90);
        // The same stream: its frames and capture clock both run on over the gap.
        var resumeFrame = before[^1].StartFrame + before[^1].FrameCount + gap;
        var after = StationFeed.Packets("joy-fm", song[(120 * Rate)..(150 * Rate)], startFrame: resumeFrame, firstSequence: before[^1].Sequence + 1,
            captureStart: StationFeed.CaptureStart.AddTicks((resumeFrame - before[0].StartFrame) * 320_000));
        var resumed = after[0];
        after[0] = new FingerprintPacket(resumed.StationId, resumed.Sequence, resumed.CaptureStartUnixMicros, resumed.StartFrame, resumed.FrameCount,
            resumed.Peaks.AsSpan(), flagged ? FingerprintPacketFlags.GapBefore : FingerprintPacketFlags.None, support: resumed.Support.AsSpan());

        var found = Rematcher.Match(before.Concat(after), _matcher);

        Assert.Equal(plays, found.Count);
        Assert.InRange((found[^1].End - StationFeed.CaptureStart).TotalSeconds, 148, 151);
    }

    public void Dispose() => _dir.Dispose();
}
