using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Fingerprinting;

public class PeakExtractorTests
{
    private const double HzPerBin = (double)FingerprintSettings.SampleRate / FingerprintSettings.FftSize;

    [Theory]
    [InlineData(440.0)]
    [InlineData(1000.0)]
    [InlineData(1234.5)]
    [InlineData(3000.0)]
    public void Extract_PureTone_PeaksAtToneBin(double frequency)
    {
        var tone = Sine(frequency, 3, 0.5);

        var peaks = PeakExtractor.Extract(tone);

        Assert.NotEmpty(peaks);
        var expectedBin = frequency / HzPerBin;
        Assert.All(peaks, p => Assert.InRange(p.Bin, expectedBin - 0.3, expectedBin + 0.3));
    }

    [Fact]
    public void Extract_ToneBelowAnalysisBand_NoPeaks()
    {
        // 150 Hz is bin 19, below FrameAnalyzer.MinBin: the band starts at about 300 Hz.
        var peaks = PeakExtractor.Extract(Sine(150, 3, 0.5));

        Assert.Empty(peaks);
    }

    [Fact]
    public void Extract_Silence_NoPeaks()
    {
        var peaks = PeakExtractor.Extract(new float[FingerprintSettings.SampleRate * 3]);

        Assert.Empty(peaks);
    }

    [Fact]
    public void Extract_Music_PeaksSortedByFrameWithinBandAndFrameCount()
    {
        var song = SyntheticMusic.Song(11, 10);
        var extractor = new PeakExtractor();
        var peaks = new List<Peak>();
        extractor.Write(song, peaks);
        extractor.Flush(peaks);

        // A frame per hop once the first window is full.
        Assert.Equal((song.Length - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1, extractor.Frames);
        Assert.InRange(peaks.Count, 10 * 5, 10 * 100);
        for (var i = 1; i < peaks.Count; i++)
        {
            Assert.True(peaks[i - 1].Frame <= peaks[i].Frame, $"peak {i} out of order");
        }

        Assert.All(peaks, p =>
        {
            Assert.InRange(p.Frame, 0, extractor.Frames - 1);
            Assert.InRange(p.Bin, FrameAnalyzer.MinBin, FrameAnalyzer.MaxBin);
        });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(256)]
    [InlineData(1000)]
    [InlineData(4099)]
    public void Write_OddBlockSizes_SamePeaksAsOneBlock(int blockSize)
    {
        var song = SyntheticMusic.Song(5, 8);
        var expected = PeakExtractor.Extract(song);

        var extractor = new PeakExtractor();
        var peaks = new List<Peak>();
        for (var at = 0; at < song.Length; at += blockSize)
        {
            extractor.Write(song.AsSpan(at, Math.Min(blockSize, song.Length - at)), peaks);
        }

        extractor.Flush(peaks);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, peaks);
    }

    [Fact]
    public void Write_EmptyBlocks_ChangeNothing()
    {
        var song = SyntheticMusic.Song(6, 4);
        var expected = PeakExtractor.Extract(song);

        var extractor = new PeakExtractor();
        var peaks = new List<Peak>();
        extractor.Write(song.AsSpan(0, 5000), peaks);
        extractor.Write([], peaks);
        extractor.Write(song.AsSpan(5000), peaks);
        extractor.Write([], peaks);
        extractor.Flush(peaks);

        Assert.Equal(expected, peaks);
    }

    [Fact]
    public void ExtractWithSupport_QuietToneBesideLoudOne_OnlySupportPeaksKeepIt()
    {
        // 60 Hz apart (under 8 bins): inside a landmark's neighbourhood, outside a support peak's. The quiet tone is
        // what a song under a presenter is.
        var loud = Sine(1060, 3, 0.5);
        var quiet = Sine(1000, 3, 0.1);
        var mix = loud.Zip(quiet, (a, b) => a + b).ToArray();

        var (landmarks, support) = PeakExtractor.ExtractWithSupport(mix);

        static bool Near(Peak p, double hz) => Math.Abs(p.Bin - hz / HzPerBin) <= 1;
        Assert.DoesNotContain(landmarks, p => Near(p, 1000));
        Assert.Contains(landmarks, p => Near(p, 1060));
        Assert.Contains(support, p => Near(p, 1000));
        Assert.Contains(support, p => Near(p, 1060));
    }

    [Fact]
    public void ExtractWithSupport_Music_SameLandmarksEachAlsoASupportPeakOnItsWholeBin()
    {
        var song = SyntheticMusic.Song(11, 10);

        var (landmarks, support) = PeakExtractor.ExtractWithSupport(song);

        Assert.Equal(PeakExtractor.Extract(song), landmarks);
        // A landmark is the largest value of a wider neighbourhood, by a wider margin.
        Assert.All(landmarks, l => Assert.Contains(support, s => s.Frame == l.Frame && Math.Abs(s.Bin - l.Bin) <= 0.5));
        Assert.True(support.Length > landmarks.Length, $"{support.Length} support peaks against {landmarks.Length} landmarks");
        Assert.All(support, p => Assert.Equal(0, p.Bin16 % 16));
        for (var i = 1; i < support.Length; i++)
        {
            Assert.True(support[i - 1].Frame <= support[i].Frame, $"support peak {i} out of order");
        }
    }

    [Fact]
    public void Write_WithoutSupportList_WhenSupportRequested_Throws()
    {
        var extractor = new PeakExtractor(withSupport: true);

        Assert.Throws<ArgumentNullException>(() => extractor.Write(Sine(440, 1, 0.5), []));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_SteadyState_AllocatesNothing(bool withSupport)
    {
        const int Chunk = 500;
        var song = SyntheticMusic.Song(8, 20);
        var extractor = new PeakExtractor(withSupport);
        var support = new List<Peak>(400_000);
        var peaks = new List<Peak>(100_000);
        var at = 0;
        void Feed(double seconds)
        {
            for (var end = at + (int)(seconds * FingerprintSettings.SampleRate); at + Chunk <= end; at += Chunk)
            {
                extractor.Write(song.AsSpan(at, Chunk), peaks, support);
            }
        }

        Feed(2); // JIT and first-use paths
        var warmPeaks = peaks.Count;
        var allocated = Allocations.LeastOf(3, () => Feed(5));

        Assert.True(peaks.Count - warmPeaks > 100, $"only {peaks.Count - warmPeaks} peaks: the rounds did not exercise peak output");
        Assert.Equal(0, allocated);
    }

    private static float[] Sine(double frequency, double seconds, double amplitude)
    {
        var samples = new float[(int)(seconds * FingerprintSettings.SampleRate)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / FingerprintSettings.SampleRate));
        }

        return samples;
    }
}
