using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Perf;

/// <summary>
/// Random peaks with the statistics of real extractor output: a fixed rate per second, frames uniformly spread
/// and sorted, bins uniform over the analysed band [<see cref="FrameAnalyzer.MinBin"/>, <see cref="FrameAnalyzer.MaxBin"/>)
/// in 1/16-bin units. Every track has its own seed, so a catalogue is reproducible and generated in parallel.
/// </summary>
internal static class SyntheticPeaks
{
    public const double DefaultPeaksPerSecond = 21;
    public const double DefaultTrackSeconds = 210;

    public static Peak[] Generate(Random rng, int frameCount, double peaksPerSecond, int frameOffset = 0)
    {
        var count = (int)Math.Round(frameCount / FingerprintSettings.FramesPerSecond * peaksPerSecond);
        var frames = new int[count];
        for (var i = 0; i < count; i++)
        {
            frames[i] = rng.Next(frameCount);
        }

        Array.Sort(frames);
        var peaks = new Peak[count];
        for (var i = 0; i < count; i++)
        {
            peaks[i] = new Peak(frames[i] + frameOffset, RandomBin16(rng));
        }

        return peaks;
    }

    public static ushort RandomBin16(Random rng) => (ushort)rng.Next(FrameAnalyzer.MinBin * 16, FrameAnalyzer.MaxBin * 16);

    public static int TrackSeed(int catalogueSeed, int track) => unchecked((catalogueSeed * 1_000_003) + track);

    public static string TrackId(int track) => $"syn-{track:D6}";

    /// <summary>Generates <paramref name="tracks"/> tracks of <paramref name="frameCount"/> frames each.</summary>
    public static TrackPeaks[] Catalogue(int tracks, int frameCount, double peaksPerSecond, int seed)
    {
        var result = new TrackPeaks[tracks];
        Parallel.For(0, tracks, i =>
        {
            var rng = new Random(TrackSeed(seed, i));
            result[i] = TrackPeaks.FromPeaks(Generate(rng, frameCount, peaksPerSecond), frameCount);
        });
        return result;
    }

    /// <summary>Adds <paramref name="count"/> random peaks in [from, to) and re-sorts by frame.</summary>
    public static void AddNoise(List<Peak> peaks, Random rng, int count, int from, int to)
    {
        for (var i = 0; i < count; i++)
        {
            peaks.Add(new Peak(rng.Next(from, to), RandomBin16(rng)));
        }

        peaks.Sort((a, b) => a.Frame != b.Frame ? a.Frame.CompareTo(b.Frame) : a.Bin16.CompareTo(b.Bin16));
    }
}
