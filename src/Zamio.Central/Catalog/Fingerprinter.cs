using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Catalog;

/// <summary>Decodes an audio file and extracts its peaks, streaming so long files never sit in memory.</summary>
public static class Fingerprinter
{
    /// <param name="path">The audio file.</param>
    /// <param name="maxSeconds">For clips: decoding stops with <see cref="ClipTooLongException"/> past this much audio
    /// (a few megabytes of low-bitrate audio can hold hours, all of it decoded and fingerprinted per request).</param>
    public static FingerprintedAudio FromFile(string path, double? maxSeconds = null)
    {
        using var source = AudioDecoder.Open(path, FingerprintSettings.SampleRate);
        return FromSource(source, maxSeconds);
    }

    public static FingerprintedAudio FromSource(ISampleSource source, double? maxSeconds = null)
    {
        var maxSamples = maxSeconds is { } seconds ? (long)(seconds * FingerprintSettings.SampleRate) : long.MaxValue;
        var extractor = new PeakExtractor();
        var peaks = new List<Peak>();
        var buffer = new float[FingerprintSettings.SampleRate];
        long samples = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            samples += read;
            if (samples > maxSamples)
            {
                throw new ClipTooLongException(maxSeconds!.Value);
            }

            extractor.Write(buffer.AsSpan(0, read), peaks);
        }

        extractor.Flush(peaks);
        return new FingerprintedAudio([.. peaks], (int)extractor.Frames, samples / (double)FingerprintSettings.SampleRate);
    }
}

public sealed record FingerprintedAudio(Peak[] Peaks, int FrameCount, double DurationSeconds);

/// <summary>A clip holds more audio than a clip may (identify and the mobile upload take clips; scan takes recordings).</summary>
public sealed class ClipTooLongException(double maxSeconds)
    : Exception($"the clip holds more than {maxSeconds:0} s of audio; send a shorter clip (scan takes whole recordings)")
{
    public double MaxSeconds { get; } = maxSeconds;
}
