namespace Zamio.Central.Tests.Serve;

/// <summary>Deterministic 8 kHz "songs": random chords of harmonic partials with decaying envelopes, one per seed.</summary>
internal static class SyntheticSong
{
    public const int SampleRate = 8000;

    public static float[] Generate(int seed, double seconds)
    {
        var rng = new Random(seed);
        var samples = new float[(int)(seconds * SampleRate)];
        var position = 0;
        while (position < samples.Length)
        {
            var length = (int)((0.15 + 0.45 * rng.NextDouble()) * SampleRate);
            var voices = 2 + rng.Next(3);
            for (var v = 0; v < voices; v++)
            {
                var f0 = 110 * Math.Pow(2, rng.Next(36) / 12.0);
                var partials = 1 + rng.Next(4);
                var phase = rng.NextDouble() * 2 * Math.PI;
                for (var i = 0; i < length && position + i < samples.Length; i++)
                {
                    var t = i / (double)SampleRate;
                    var envelope = Math.Exp(-3 * t) * Math.Min(1, i / 80.0);
                    var value = 0.0;
                    for (var p = 1; p <= partials && f0 * p < SampleRate / 2.2; p++)
                    {
                        value += Math.Sin((2 * Math.PI * f0 * p * t) + phase) / p;
                    }

                    samples[position + i] += (float)(0.1 * envelope * value);
                }
            }

            position += length;
        }

        return samples;
    }

    /// <summary>Silence of the given length.</summary>
    public static float[] Silence(double seconds) => new float[(int)(seconds * SampleRate)];
}
