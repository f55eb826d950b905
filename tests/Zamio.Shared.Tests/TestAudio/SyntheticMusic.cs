namespace Zamio.Shared.Tests.TestAudio;

/// <summary>
/// Deterministic synthetic "songs" at 8 kHz for fingerprint tests: random chords of harmonic partials with
/// envelopes and a little percussion. Each seed is different music; the same seed is the same samples.
/// </summary>
internal static class SyntheticMusic
{
    public const int SampleRate = 8000;

    // Four voices of up to four partials stay below full scale.
    private const float Gain = 0.12f;

    /// <summary>A song of <paramref name="seconds"/> seconds whose notes and rhythm come from <paramref name="seed"/>.</summary>
    public static float[] Song(int seed, double seconds)
    {
        var rng = new Random(seed);
        var samples = new float[(int)(seconds * SampleRate)];
        var position = 0;
        while (position < samples.Length)
        {
            var length = (int)((0.15 + 0.45 * rng.NextDouble()) * SampleRate);
            AddChord(samples, position, length, rng);
            if (rng.NextDouble() < 0.4)
            {
                AddNoiseBurst(samples, position, (int)(0.03 * SampleRate), 0.08, rng);
            }

            position += length;
        }

        // A fixed gain rather than normalisation, so a shorter song is an exact prefix of a longer one.
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] *= Gain;
        }

        return samples;
    }

    /// <summary>Plays <paramref name="input"/> <paramref name="speed"/> times faster (pitch and tempo), by linear interpolation.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, double speed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(speed);
        var output = new float[(int)((input.Length - 1) / speed)];
        for (var i = 0; i < output.Length; i++)
        {
            var x = i * speed;
            var j = (int)x;
            var frac = (float)(x - j);
            output[i] = j + 1 < input.Length ? input[j] + (input[j + 1] - input[j]) * frac : input[j];
        }

        return output;
    }

    /// <summary>A copy of <paramref name="signal"/> with white noise at <paramref name="snrDb"/> dB below its RMS.</summary>
    public static float[] AddNoise(ReadOnlySpan<float> signal, double snrDb, int seed)
    {
        var noiseRms = Rms(signal) / Math.Pow(10, snrDb / 20);
        var noise = WhiteNoise(signal.Length, noiseRms, seed);
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] += signal[i];
        }

        return noise;
    }

    /// <summary>Gaussian white noise with the given RMS.</summary>
    public static float[] WhiteNoise(int length, double rms, int seed)
    {
        var rng = new Random(seed);
        var noise = new float[length];
        for (var i = 0; i < length; i++)
        {
            // Box-Muller; 1 - NextDouble() keeps the logarithm finite.
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            noise[i] = (float)(gaussian * rms);
        }

        return noise;
    }

    /// <summary>Sample-wise sum of <paramref name="a"/> and <paramref name="gainB"/> × <paramref name="b"/>, as long as the longer.</summary>
    public static float[] Mix(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float gainB = 1f)
    {
        var output = new float[Math.Max(a.Length, b.Length)];
        a.CopyTo(output);
        for (var i = 0; i < b.Length; i++)
        {
            output[i] += gainB * b[i];
        }

        return output;
    }

    public static float[] Concat(params float[][] parts)
    {
        var output = new float[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(output, at);
            at += part.Length;
        }

        return output;
    }

    public static float[] Slice(float[] samples, double startSeconds, double seconds) =>
        samples.AsSpan((int)(startSeconds * SampleRate), (int)(seconds * SampleRate)).ToArray();

    public static double Rms(ReadOnlySpan<float> samples)
    {
        var sum = 0.0;
        foreach (var s in samples)
        {
            sum += s * s;
        }

        return samples.IsEmpty ? 0 : Math.Sqrt(sum / samples.Length);
    }

    private static void AddChord(float[] samples, int start, int length, Random rng)
    {
        var end = Math.Min(samples.Length, start + length);
        var voices = 3 + rng.Next(2);
        for (var v = 0; v < voices; v++)
        {
            // MIDI 50-86: about 147-1175 Hz fundamentals, harmonics reaching into the 300-3600 Hz analysis band.
            var midi = 50 + rng.Next(37);
            var fundamental = 440 * Math.Pow(2, (midi - 69) / 12.0);
            var amplitude = 0.4 + 0.6 * rng.NextDouble();
            var decay = 1.5 + 6 * rng.NextDouble();
            var attack = 0.005 + 0.02 * rng.NextDouble();
            var harmonics = 2 + rng.Next(3);
            for (var h = 1; h <= harmonics; h++)
            {
                var frequency = fundamental * h;
                if (frequency >= SampleRate / 2.0 - 100)
                {
                    break;
                }

                var partial = amplitude / h;
                var step = 2 * Math.PI * frequency / SampleRate;
                var phase = 2 * Math.PI * rng.NextDouble();
                for (var i = start; i < end; i++)
                {
                    var t = (i - start) / (double)SampleRate;
                    var envelope = Math.Min(1, t / attack) * Math.Exp(-decay * t);
                    // A short release at the note end avoids clicks that would smear the spectrum.
                    var release = Math.Min(1, (end - i) / (0.01 * SampleRate));
                    samples[i] += (float)(partial * envelope * release * Math.Sin(phase + step * (i - start)));
                }
            }
        }
    }

    private static void AddNoiseBurst(float[] samples, int start, int length, double amplitude, Random rng)
    {
        var end = Math.Min(samples.Length, start + length);
        for (var i = start; i < end; i++)
        {
            var t = (i - start) / (double)length;
            samples[i] += (float)(amplitude * (2 * rng.NextDouble() - 1) * Math.Exp(-5 * t));
        }
    }
}
