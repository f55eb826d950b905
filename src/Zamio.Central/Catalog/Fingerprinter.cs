using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Catalog;

/// <summary>Decodes an audio file and extracts its peaks, streaming so long files never sit in memory.</summary>
public static class Fingerprinter
{
    public static FingerprintedAudio FromFile(string path)
    {
        using var source = AudioDecoder.Open(path, FingerprintSettings.SampleRate);
        return FromSource(source);
    }

    public static FingerprintedAudio FromSource(ISampleSource source)
    {
        var extractor = new PeakExtractor();
        var peaks = new List<Peak>();
        var buffer = new float[FingerprintSettings.SampleRate];
        long samples = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            extractor.Write(buffer.AsSpan(0, read), peaks);
            samples += read;
        }

        extractor.Flush(peaks);
        return new FingerprintedAudio([.. peaks], (int)extractor.Frames, samples / (double)FingerprintSettings.SampleRate);
    }
}

public sealed record FingerprintedAudio(Peak[] Peaks, int FrameCount, double DurationSeconds);
