using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Matching;

/// <summary>
/// Twenty synthetic songs and their index, built once per test run and shared (read-only) by the matching
/// and play tests. Songs 0 and 1 last 60 s, the rest 30 s.
/// </summary>
internal sealed class SyntheticCatalogue
{
    public const int SongCount = 20;

    private static readonly Lazy<SyntheticCatalogue> Instance = new(() => new SyntheticCatalogue());

    private SyntheticCatalogue()
    {
        Songs = new float[SongCount][];
        Parallel.For(0, SongCount, k => Songs[k] = SyntheticMusic.Song(SeedOf(k), k < 2 ? 60 : 30));
        var builder = new IndexBuilder();
        for (var k = 0; k < SongCount; k++)
        {
            Add(builder, IdOf(k), Songs[k]);
        }

        Index = builder.Build();
    }

    public static SyntheticCatalogue Shared => Instance.Value;

    /// <summary>An index of the shared songs and <paramref name="extra"/>, for a test that needs a song of its own.</summary>
    public static FingerprintIndex IndexWith(string id, float[] extra)
    {
        var builder = new IndexBuilder();
        for (var k = 0; k < SongCount; k++)
        {
            Add(builder, IdOf(k), Shared.Songs[k]);
        }

        Add(builder, id, extra);
        return builder.Build();
    }

    public float[][] Songs { get; }

    public FingerprintIndex Index { get; }

    public static int SeedOf(int k) => 1000 + 17 * k;

    public static string IdOf(int k) => $"song{k:D2}";

    /// <summary>A seed whose song is not in the catalogue.</summary>
    public static int UnknownSeed(int n) => 900_001 + n;

    private static void Add(IndexBuilder builder, string id, float[] song) =>
        builder.Add(id, TrackPeaks.FromPeaks(PeakExtractor.Extract(song), FrameCount(song.Length)));

    private static int FrameCount(int samples) =>
        samples < FingerprintSettings.FftSize ? 0 : (samples - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1;
}
