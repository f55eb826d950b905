using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Matching;

public class VerifierTests
{
    private static SyntheticCatalogue Catalogue => SyntheticCatalogue.Shared;

    // Song, offset (s) and SNR (dB) of a 10 s excerpt: a clean and a noisy one.
    public static TheoryData<int, double, double> Excerpts => new() { { 3, 8.0, 10.0 }, { 12, 4.0, 0.0 } };

    [Theory]
    [MemberData(nameof(Excerpts))]
    public void Verify_ZToBeatBelowItsZ_SameResultAsWithout(int song, double offset, double snr)
    {
        var (verifier, peaks, track, alignment, plain) = VerifiedPlainly(song, offset, snr);

        var withBar = verifier.Verify(peaks, track, alignment, zToBeat: plain.Z - 0.01);

        Assert.Equal(plain, withBar);
    }

    [Theory]
    [MemberData(nameof(Excerpts))]
    public void Verify_ZToBeatOutOfReach_RejectedOnTheBoundAlone(int song, double offset, double snr)
    {
        var (verifier, peaks, track, alignment, plain) = VerifiedPlainly(song, offset, snr);

        var rejected = verifier.Verify(peaks, track, alignment, zToBeat: plain.Z + 1000);

        Assert.True(plain.Z > 6, $"z {plain.Z}: the excerpt should match clearly");
        Assert.True(rejected.Z <= 0, $"z {rejected.Z}: scored in full although it could not beat the bar");
    }

    // An excerpt's peaks, its track, the alignment the matcher found for it (verified, so the verifier refits little), and
    // that alignment verified without a z to beat.
    private static (Verifier Verifier, Peak[] Peaks, Zamio.Shared.Indexing.IndexedTrack Track, Alignment Alignment, VerifiedAlignment Plain)
        VerifiedPlainly(int song, double offset, double snr)
    {
        var excerpt = SyntheticMusic.AddNoise(SyntheticMusic.Slice(Catalogue.Songs[song], offset, 10), snr, seed: 5);
        var peaks = PeakExtractor.Extract(excerpt);
        var best = new Matcher(Catalogue.Index).Match(peaks)[0];
        Assert.Equal(SyntheticCatalogue.IdOf(song), best.TrackId);
        var track = Catalogue.Index.Tracks[best.TrackIndex];
        var verifier = new Verifier(MatcherOptions.Default);
        return (verifier, peaks, track, best.Alignment, verifier.Verify(peaks, track, best.Alignment));
    }

    [Fact]
    public void NeighbourCounts_RandomPeaksAndEdges_SameAsTestingEachPeak()
    {
        var random = new Random(20261202);
        for (var round = 0; round < 2_000; round++)
        {
            // Peaks of a neighbourhood, packed and in frame order as a track holds them; some at the box's frame edges.
            var count = random.Next(0, 90);
            var centre = random.Next(0, 400);
            var frame = round % 3 == 0 ? centre : centre + random.NextDouble() * 2 - 1;
            var bins = new double[] { random.Next(0, 2048) / 4.0, random.NextDouble() * 520, random.Next(0, 600) / 16.0 };
            var bin = bins[round % bins.Length];
            var packed = Enumerable.Range(0, count)
                .Select(_ => TrackPeaks.Pack(new Peak(Math.Max(0, centre + random.Next(-40, 41)), (ushort)random.Next(0, 2048 * 4))))
                .Order()
                .ToArray();
            var tolerance = Verifier.BinTolerance(bin);

            var (line, box) = Verifier.NeighbourCounts(packed, frame, bin, tolerance);

            int expectedLine = 0, expectedBox = 0;
            foreach (var p in packed)
            {
                var distance = Math.Abs(TrackPeaks.BinOf(p) - bin);
                expectedLine += distance <= tolerance ? 1 : 0;
                expectedBox += Math.Abs(TrackPeaks.FrameOf(p) - frame) <= Verifier.NullBoxFrames && distance <= Verifier.NullBoxWidths * tolerance ? 1 : 0;
            }

            Assert.Equal((expectedLine, expectedBox), (line, box));
        }
    }

    // A track that opens with four passes of a 2 s loop, aired after 3 s of other sound: voted a pass too late, the
    // alignment puts the track's start under the other sound.
    private const int LoopFrames = 62;
    private const int BeforeFrames = 94;

    [Fact]
    public void Verify_AlignedAPassOfItsOpeningLoopLate_StartsTheTrackWhereTheSongDoes()
    {
        var (track, query) = LoopAfterOtherSound();
        var late = new Alignment(0, LoopFrames - BeforeFrames, 1, 1);
        var verifier = new Verifier(MatcherOptions.Default);
        var lateZ = verifier.Score(query, track.Peaks, late).Z;

        var verified = verifier.Verify(query, track, late);

        Assert.InRange(verified.Alignment.TrackFrame(BeforeFrames), -1.5, 1.5);
        Assert.True(verified.Z > lateZ + 2, $"z {verified.Z:F2} against {lateZ:F2} a pass late");
    }

    [Fact]
    public void Verify_AlignedWhereTheSongStarts_KeepsTheAlignment()
    {
        var (track, query) = LoopAfterOtherSound();
        var onTime = new Alignment(0, -BeforeFrames, 1, 1);

        var verified = new Verifier(MatcherOptions.Default).Verify(query, track, onTime);

        Assert.InRange(verified.Alignment.TrackFrame(BeforeFrames), -1.5, 1.5);
    }

    private static (IndexedTrack Track, Peak[] Query) LoopAfterOtherSound()
    {
        var random = new Random(20261203);
        Peak RandomPeak(int frame) => new(frame, (ushort)(random.Next(20, 500) * 16));
        var loop = Enumerable.Range(0, 60).Select(_ => RandomPeak(random.Next(0, LoopFrames))).ToArray();
        var rest = Enumerable.Range(0, 600).Select(_ => RandomPeak(random.Next(4 * LoopFrames, 4 * LoopFrames + 625)));
        var trackPeaks = Enumerable.Range(0, 4).SelectMany(pass => loop.Select(p => p with { Frame = p.Frame + pass * LoopFrames }))
            .Concat(rest).OrderBy(p => p.Frame).ThenBy(p => p.Bin16).ToArray();
        var track = new IndexedTrack("loop", 0, TrackPeaks.FromPeaks(trackPeaks, 4 * LoopFrames + 625));
        // The other sound, then the track's first 6 s.
        var other = Enumerable.Range(0, 90).Select(_ => RandomPeak(random.Next(0, BeforeFrames)));
        var song = trackPeaks.Where(p => p.Frame < 188).Select(p => p with { Frame = p.Frame + BeforeFrames });
        return (track, [.. other.Concat(song).OrderBy(p => p.Frame).ThenBy(p => p.Bin16)]);
    }
}
