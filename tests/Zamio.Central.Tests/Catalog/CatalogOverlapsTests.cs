using Zamio.Central.Catalog;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Central.Tests.Catalog;

/// <summary>A catalogue of four 60 s synthetic songs and a medley of song1's 10-40 s and song2's first 20 s.</summary>
public sealed class CatalogOverlapsTests
{
    private static readonly Lazy<FingerprintIndex> Index = new(Build);

    [Fact]
    public void Find_MedleyOfTwoSongs_EachSharedStretchReportedFromBothSides()
    {
        var overlaps = CatalogOverlaps.Find(Index.Value);

        AssertStretch(overlaps, "medley", "song1", start: 0, end: 30, sharesStart: 10);
        AssertStretch(overlaps, "medley", "song2", start: 30, end: 50, sharesStart: 0);
        AssertStretch(overlaps, "song1", "medley", start: 10, end: 40, sharesStart: 0);
        AssertStretch(overlaps, "song2", "medley", start: 0, end: 20, sharesStart: 30);
        Assert.All(overlaps, o => Assert.True(o.Track == "medley" || o.Shares == "medley", $"{o.Track} shares {o.Shares}"));
    }

    [Fact]
    public void Find_VersionFourPercentFaster_FoundWithItsSpeedOnlyOverTheSpeedGrid()
    {
        var builder = new IndexBuilder();
        var song = SyntheticMusic.Song(6310, 40);
        Add(builder, "song", song);
        Add(builder, "fast", SyntheticMusic.Resample(song, 1.04));
        Add(builder, "other", SyntheticMusic.Song(6311, 40));
        var index = builder.Build();

        var atRecordedSpeed = CatalogOverlaps.Find(index);
        var overGrid = CatalogOverlaps.Find(index, SpeedHypothesis.DefaultGrid);

        Assert.Empty(atRecordedSpeed);
        var fast = overGrid.Where(o => o.Track == "fast").ToList();
        Assert.NotEmpty(fast);
        Assert.All(fast, o => Assert.Equal("song", o.Shares));
        Assert.All(fast, o => Assert.InRange(o.Speed, 1.03, 1.05));
        Assert.Contains(overGrid, o => o.Track == "song" && o.Shares == "fast" && o.Speed is > 0.95 and < 0.97);
        Assert.DoesNotContain(overGrid, o => o.Track == "other" || o.Shares == "other");
    }

    [Fact]
    public void Covered_StretchesOverlappingAndApart_EachSecondCountedOnce()
    {
        static Overlap From(double start, double end) => new("a", start, end, "b", 0, end - start, 1);

        Assert.Equal(25, CatalogOverlaps.Covered([From(10, 20), From(0, 12), From(30, 35), From(11, 19)]), 6);
    }

    // The stretches of one pair begin and end within the segments' reach of the shared audio, at its alignment.
    private static void AssertStretch(IReadOnlyList<Overlap> overlaps, string track, string shares, double start, double end, double sharesStart)
    {
        var stretches = overlaps.Where(o => o.Track == track && o.Shares == shares).ToList();
        Assert.True(stretches.Count > 0, $"{track} shares nothing with {shares}");
        Assert.InRange(stretches.Min(o => o.Start), start - 0.5, start + 2.5);
        Assert.InRange(stretches.Max(o => o.End), end - 2.5, end + 0.5);
        Assert.All(stretches, o => Assert.InRange(o.SharesStart - o.Start, sharesStart - start - 0.1, sharesStart - start + 0.1));
    }

    private static FingerprintIndex Build()
    {
        var songs = new float[4][];
        Parallel.For(0, songs.Length, k => songs[k] = SyntheticMusic.Song(6300 + k, 60));
        var builder = new IndexBuilder();
        for (var k = 0; k < songs.Length; k++)
        {
            Add(builder, $"song{k}", songs[k]);
        }

        Add(builder, "medley", SyntheticMusic.Concat(SyntheticMusic.Slice(songs[1], 10, 30), SyntheticMusic.Slice(songs[2], 0, 20)));
        return builder.Build();
    }

    private static void Add(IndexBuilder builder, string id, float[] audio)
    {
        var peaks = PeakExtractor.Extract(audio);
        builder.Add(id, TrackPeaks.FromPeaks(peaks, peaks[^1].Frame + 1));
    }
}
