using Zamio.Central.Catalog;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Central.Tests.Catalog;

/// <summary>Clip answers over a catalogue of six two-minute synthetic songs.</summary>
public sealed class ClipMatchTests
{
    private const int Songs = 6;
    private static readonly Lazy<(float[][] Audio, FingerprintIndex Index)> Catalogue = new(Build);

    [Theory]
    [InlineData(3, 10.0, 15)]
    [InlineData(3, 20.0, 90)]
    [InlineData(5, 7.5, 110)]
    public void Best_ClipOfACatalogueSong_NamesItAtItsPosition(int song, double from, double seconds)
    {
        var clip = SyntheticMusic.Slice(Catalogue.Value.Audio[song], from, seconds);

        var match = ClipMatch.Best(new Matcher(Catalogue.Value.Index), PeakExtractor.Extract(clip));

        Assert.NotNull(match);
        Assert.Equal($"song{song}", match.TrackId);
        Assert.InRange(ClipFigures.Of(match).Offset, from - 0.1, from + 0.1);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(90)]
    public void Best_MusicOutsideTheCatalogue_IsNoMatch(double seconds)
    {
        var unknown = SyntheticMusic.Song(777_001, seconds);

        Assert.Null(ClipMatch.Best(new Matcher(Catalogue.Value.Index), PeakExtractor.Extract(unknown)));
    }

    [Fact]
    public void Agreeing_PositionsAFewFramesApartAcrossAWholeSecond_AreOneGroup()
    {
        // 1.497 and 1.503 s-sized steps: rounded to whole seconds they fell into two groups and the clip went unanswered.
        static TrackMatch At(int track, double frame) => new(track, $"song{track}", 1, 10, new Alignment(0, frame, 1, 1), 30, 40, 0, 300);
        var second = FingerprintSettings.SecondsToFrame(1);

        var groups = ClipMatch.Agreeing([At(2, 1.497 * second), At(2, 1.503 * second), At(3, 1.5 * second), At(2, 4 * second)]).ToList();

        Assert.Equal([2, 1, 1], groups.Select(g => g.Count));
        Assert.Equal([2, 2, 3], groups.Select(g => g[0].TrackIndex));
    }

    private static (float[][], FingerprintIndex) Build()
    {
        var audio = new float[Songs][];
        Parallel.For(0, Songs, k => audio[k] = SyntheticMusic.Song(5100 + k, 120));
        var builder = new IndexBuilder();
        for (var k = 0; k < Songs; k++)
        {
            var peaks = PeakExtractor.Extract(audio[k]);
            builder.Add($"song{k}", TrackPeaks.FromPeaks(peaks, peaks[^1].Frame + 1));
        }

        return (audio, builder.Build());
    }
}
