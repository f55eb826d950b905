using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Matching;

public class VerifierTests
{
    private static SyntheticCatalogue Catalogue => SyntheticCatalogue.Shared;

    [Theory]
    [InlineData(3, 8.0, 10.0)]
    [InlineData(12, 4.0, 0.0)]
    public void Verify_ZToBeatBelowItsZ_SameResultAsWithout(int song, double offset, double snr)
    {
        var (peaks, track, alignment) = Matched(song, offset, snr);
        var verifier = new Verifier(MatcherOptions.Default);
        var plain = verifier.Verify(peaks, track, alignment);

        var withBar = verifier.Verify(peaks, track, alignment, zToBeat: plain.Z - 0.01);

        Assert.Equal(plain, withBar);
    }

    [Theory]
    [InlineData(3, 8.0, 10.0)]
    [InlineData(12, 4.0, 0.0)]
    public void Verify_ZToBeatOutOfReach_RejectedOnTheBoundAlone(int song, double offset, double snr)
    {
        var (peaks, track, alignment) = Matched(song, offset, snr);
        var verifier = new Verifier(MatcherOptions.Default);
        var plain = verifier.Verify(peaks, track, alignment);

        var rejected = verifier.Verify(peaks, track, alignment, zToBeat: plain.Z + 1000);

        Assert.True(plain.Z > 6, $"z {plain.Z}: the excerpt should match clearly");
        Assert.True(rejected.Z <= 0, $"z {rejected.Z}: scored in full although it could not beat the bar");
    }

    // An excerpt's peaks, its track and the alignment the matcher found for it (verified, so the verifier refits little).
    private static (Peak[] Peaks, Zamio.Shared.Indexing.IndexedTrack Track, Alignment Alignment) Matched(int song, double offset, double snr)
    {
        var excerpt = SyntheticMusic.AddNoise(SyntheticMusic.Slice(Catalogue.Songs[song], offset, 10), snr, seed: 5);
        var peaks = PeakExtractor.Extract(excerpt);
        var best = new Matcher(Catalogue.Index).Match(peaks)[0];
        Assert.Equal(SyntheticCatalogue.IdOf(song), best.TrackId);
        return (peaks, Catalogue.Index.Tracks[best.TrackIndex], best.Alignment);
    }
}
