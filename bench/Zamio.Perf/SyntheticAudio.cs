namespace Zamio.Perf;

/// <summary>
/// Music-like test signal: a new chord (3-4 notes, 5 harmonics each, decaying) every half second, a hi-hat-like
/// noise burst every quarter second and a little background noise. Deterministic for a seed.
/// </summary>
internal static class SyntheticAudio
{
    public static float[] Chords(double seconds, int sampleRate, int seed)
    {
        var rng = new Random(seed);
        var total = (int)(seconds * sampleRate);
        var samples = new float[total];
        var noteSamples = sampleRate / 2;
        var burstSamples = sampleRate / 4;
        var phases = new double[4 * 5];
        var increments = new double[phases.Length];
        var amplitudes = new double[phases.Length];
        for (var start = 0; start < total; start += noteSamples)
        {
            var root = 45 + rng.Next(24);
            ReadOnlySpan<int> shape = rng.Next(2) == 0 ? [0, 4, 7, 12] : [0, 3, 7, 10];
            var notes = 3 + rng.Next(2);
            Array.Clear(amplitudes);
            for (var n = 0; n < notes; n++)
            {
                var f0 = 440 * Math.Pow(2, (root + shape[n] - 69) / 12.0);
                for (var h = 0; h < 5; h++)
                {
                    var f = f0 * (h + 1);
                    var k = (n * 5) + h;
                    increments[k] = 2 * Math.PI * f / sampleRate;
                    amplitudes[k] = f < sampleRate / 2.0 ? 0.12 / (h + 1) : 0;
                }
            }

            var end = Math.Min(total, start + noteSamples);
            for (var i = start; i < end; i++)
            {
                var t = (i - start) / (double)sampleRate;
                var envelope = Math.Exp(-3 * t);
                double v = 0;
                for (var k = 0; k < phases.Length; k++)
                {
                    if (amplitudes[k] == 0)
                    {
                        continue;
                    }

                    phases[k] += increments[k];
                    v += amplitudes[k] * Math.Sin(phases[k]);
                }

                var sinceBurst = (i % burstSamples) / (double)sampleRate;
                var burst = Math.Exp(-40 * sinceBurst) * 0.15 * ((rng.NextDouble() * 2) - 1);
                var hiss = 0.005 * ((rng.NextDouble() * 2) - 1);
                samples[i] = (float)((v * envelope) + burst + hiss);
            }
        }

        return samples;
    }
}
