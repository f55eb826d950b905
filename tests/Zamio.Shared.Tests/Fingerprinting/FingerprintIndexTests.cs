using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Tests.Matching;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Fingerprinting;

public class FingerprintIndexTests
{
    private static readonly Dictionary<int, string> RetireSong3 = new() { [3] = "\u0000removed-3" };

    [Fact]
    public void Retire_OneTrack_ItsClipsFindNothingAndOtherTracksMatchAsBefore()
    {
        var index = SyntheticCatalogue.Shared.Index;

        var retired = index.Retire(RetireSong3);

        Assert.Equal("song03", Accepted(index, Clip(3)));
        Assert.Null(Accepted(retired, Clip(3)));
        Assert.Equal(new Matcher(index).Match(Clip(4)), new Matcher(retired).Match(Clip(4)));
        Assert.Equal(index.Tracks[3].End, retired.Tracks[3].End);
        Assert.Equal(index.Tracks[3].Peaks.FrameCount, retired.RetiredFrames);
    }

    [Fact]
    public void Retire_ThenSnapshot_ReadsBackAndMatchesTheSame()
    {
        var retired = SyntheticCatalogue.Shared.Index.Retire(RetireSong3);
        using var stream = new MemoryStream();
        IndexSnapshot.Write(stream, retired, 7);
        stream.Position = 0;

        var copy = IndexSnapshot.Read(stream, out _);

        Assert.Equal(retired.Tracks.Select(t => (t.Id, t.Start, t.End)), copy.Tracks.Select(t => (t.Id, t.Start, t.End)));
        Assert.Null(Accepted(copy, Clip(3)));
        Assert.Equal("song05", Accepted(copy, Clip(5)));
    }

    [Fact]
    public void Append_AfterRetire_NewTrackMatchesAndRetiredStaysSilent()
    {
        var (newcomer, clip) = Newcomer(31);

        var index = SyntheticCatalogue.Shared.Index.Retire(RetireSong3).Append([newcomer]);

        Assert.Equal("newcomer-31", Accepted(index, clip));
        Assert.Null(Accepted(index, Clip(3)));
    }

    [Fact]
    public void Layer_TwoAdditions_MatchesAndFlattensToWhatAppendBuilds()
    {
        var index = SyntheticCatalogue.Shared.Index;
        var (first, firstClip) = Newcomer(41);
        var (second, secondClip) = Newcomer(42);

        var layered = index.Layer([first]).Layer([second]);
        var appended = index.Append([first]).Append([second]);

        Assert.NotNull(layered.Recent);
        Assert.Equal(appended.Tracks.Select(t => (t.Id, t.Start, t.End)), layered.Tracks.Select(t => (t.Id, t.Start, t.End)));
        Assert.Equal(appended.PostingCount, layered.PostingCount);
        Assert.Equal("newcomer-42", Accepted(layered, secondClip));
        Assert.Equal(new Matcher(appended).Match(firstClip), new Matcher(layered).Match(firstClip));
        Assert.Equal(new Matcher(appended).Match(Clip(6)), new Matcher(layered).Match(Clip(6)));
        var flat = layered.Flatten();
        Assert.Null(flat.Recent);
        Assert.True(appended.Directory.SequenceEqual(flat.Directory));
        Assert.True(appended.AllPostings.SequenceEqual(flat.AllPostings));
    }

    [Fact]
    public void Retire_TrackOfTheRecentLayer_ItsClipsFindNothing()
    {
        var (newcomer, clip) = Newcomer(43);
        var layered = SyntheticCatalogue.Shared.Index.Layer([newcomer]);
        var slot = layered.Tracks.Count - 1;

        var retired = layered.Retire(new Dictionary<int, string> { [slot] = "\u0000removed-new" });

        Assert.Equal("newcomer-43", Accepted(layered, clip));
        Assert.Null(Accepted(retired, clip));
        Assert.Null(Accepted(retired.Flatten(), clip));
        Assert.Equal("song02", Accepted(retired, Clip(2)));
    }

    [Fact]
    public void SnapshotWrite_LayeredIndex_ReadsBackAsOneLayerThatMatchesTheSame()
    {
        var (newcomer, clip) = Newcomer(44);
        var layered = SyntheticCatalogue.Shared.Index.Layer([newcomer]);
        using var stream = new MemoryStream();
        IndexSnapshot.Write(stream, layered, 3);
        stream.Position = 0;

        var copy = IndexSnapshot.Read(stream, out _);

        Assert.Null(copy.Recent);
        Assert.Equal(layered.Tracks.Select(t => (t.Id, t.Start)), copy.Tracks.Select(t => (t.Id, t.Start)));
        Assert.Equal(new Matcher(layered).Match(clip), new Matcher(copy).Match(clip));
    }

    private static ((string Id, TrackPeaks Peaks) Track, Peak[] Clip) Newcomer(int n)
    {
        var song = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(n), 30);
        var frames = (song.Length - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1;
        return (($"newcomer-{n}", TrackPeaks.FromPeaks(PeakExtractor.Extract(song), frames)), PeakExtractor.Extract(SyntheticMusic.Slice(song, 10, 8)));
    }

    private static Peak[] Clip(int song) => PeakExtractor.Extract(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[song], 10, 8));

    private static string? Accepted(FingerprintIndex index, Peak[] clip) =>
        new Matcher(index).Match(clip).FirstOrDefault(m => m.Confidence >= MatcherOptions.Default.AcceptConfidence)?.TrackId;
}
