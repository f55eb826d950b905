using NAudio.Wave;
using Zamio.Shared.Audio;

namespace Zamio.Shared.Tests.Audio;

/// <summary>Signal generation, WAV writing and tone measurement shared by the audio tests.</summary>
internal static class TestAudio
{
    public static string FixturesDirectory { get; } = FindFixtures();

    public static bool FfmpegAvailable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, "ffmpeg")) || File.Exists(Path.Combine(dir, "ffmpeg.exe")));

    /// <summary>CI installs ffmpeg, so there a missing ffmpeg is a failure rather than a reason to skip.</summary>
    public static bool RequireFfmpeg() =>
        FfmpegAvailable || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Fixture(string name) => Path.Combine(FixturesDirectory, name);

    public static float[] Sine(int sampleRate, double frequency, double seconds, double amplitude)
    {
        var samples = new float[(int)(sampleRate * seconds)];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
        }

        return samples;
    }

    public static float[] Interleave(float[] left, float[] right)
    {
        var interleaved = new float[left.Length * 2];
        for (int i = 0; i < left.Length; i++)
        {
            interleaved[2 * i] = left[i];
            interleaved[(2 * i) + 1] = right[i];
        }

        return interleaved;
    }

    public static byte[] Wav(WaveFormat format, float[] interleaved)
    {
        using var memory = new MemoryStream();
        using (var writer = new WaveFileWriter(memory, format))
        {
            writer.WriteSamples(interleaved, 0, interleaved.Length);
        }

        return memory.ToArray();
    }

    public static float[] ReadAll(ISampleSource source)
    {
        var all = new List<float>();
        var buffer = new float[1000];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read));
        }

        return [.. all];
    }

    /// <summary>Amplitude of the component at <paramref name="frequency"/> (a single DFT bin, no window).</summary>
    public static double ToneAmplitude(ReadOnlySpan<float> samples, int sampleRate, double frequency)
    {
        // Rotate a unit phasor instead of calling sin/cos per sample; the scan below does this ~800 times.
        double stepRe = Math.Cos(2 * Math.PI * frequency / sampleRate), stepIm = -Math.Sin(2 * Math.PI * frequency / sampleRate);
        double phasorRe = 1, phasorIm = 0, re = 0, im = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            re += samples[i] * phasorRe;
            im += samples[i] * phasorIm;
            (phasorRe, phasorIm) = ((phasorRe * stepRe) - (phasorIm * stepIm), (phasorRe * stepIm) + (phasorIm * stepRe));
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / samples.Length;
    }

    /// <summary>The strongest frequency on a 5 Hz grid between 50 Hz and Nyquist.</summary>
    public static double DominantFrequency(ReadOnlySpan<float> samples, int sampleRate)
    {
        double best = 0, bestAmplitude = -1;
        for (double frequency = 50; frequency < sampleRate / 2.0; frequency += 5)
        {
            double amplitude = ToneAmplitude(samples, sampleRate, frequency);
            if (amplitude > bestAmplitude)
            {
                (best, bestAmplitude) = (frequency, amplitude);
            }
        }

        return best;
    }

    public static double Rms(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (float sample in samples)
        {
            sum += sample * sample;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    public static double Decibels(double ratio) => 20 * Math.Log10(ratio);

    /// <summary>Decodes, accepting only a clean end or <see cref="AudioFormatException"/>; returns samples or null.</summary>
    public static float[]? DecodeOrFormatError(byte[] content, string? hint)
    {
        try
        {
            using ISampleSource source = AudioDecoder.Open(new MemoryStream(content), hint, 8000);
            return ReadAll(source);
        }
        catch (AudioFormatException)
        {
            return null;
        }
    }

    // Tests run from bin/<config>/<tfm> inside the project; the fixtures live next to these sources.
    private static string FindFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "Audio", "Fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("Audio/Fixtures not found above " + AppContext.BaseDirectory);
    }
}
