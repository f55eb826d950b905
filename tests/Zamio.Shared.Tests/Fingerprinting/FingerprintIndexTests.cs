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
        var song = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(31), 30);
        var peaks = PeakExtractor.Extract(song);
        var frames = (song.Length - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1;

        var index = SyntheticCatalogue.Shared.Index.Retire(RetireSong3).Append([("newcomer", TrackPeaks.FromPeaks(peaks, frames))]);

        Assert.Equal("newcomer", Accepted(index, PeakExtractor.Extract(SyntheticMusic.Slice(song, 10, 8))));
        Assert.Null(Accepted(index, Clip(3)));
    }

    private static Peak[] Clip(int song) => PeakExtractor.Extract(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[song], 10, 8));

    private static string? Accepted(FingerprintIndex index, Peak[] clip) =>
        new Matcher(index).Match(clip).FirstOrDefault(m => m.Confidence >= MatcherOptions.Default.AcceptConfidence)?.TrackId;
}
