using System.Numerics;
using System.Runtime.InteropServices;

namespace Zamio.Shared.Audio;

/// <summary>
/// Streaming polyphase windowed-sinc sample-rate converter with anti-aliasing (cutoff 0.45 × the lower rate).
/// All buffers are allocated up front, so steady-state reads allocate nothing. Disposing it disposes the source.
/// </summary>
public sealed class Resampler : ISampleSource
{
    private const int ChunkSize = 4096;

    private readonly ISampleSource source;
    private readonly float[] coefficients;
    private readonly int taps;
    private readonly int phases;
    private readonly int up;   // the rate ratio in lowest terms:
    private readonly int down; // every `down` input samples yield `up` output samples
    private readonly float[] history;

    private int filled;   // valid samples in history
    private int position; // history index of the first input sample under the filter for the next output
    private int phase;    // fractional input position of the next output, in units of 1/up
    private long inputCount;
    private long outputCount;
    private bool sourceEnded;

    public Resampler(ISampleSource source, int targetSampleRate)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(source.SampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSampleRate);

        this.source = source;
        SampleRate = targetSampleRate;
        int divisor = GreatestCommonDivisor(source.SampleRate, targetSampleRate);
        up = targetSampleRate / divisor;
        down = source.SampleRate / divisor;

        var filter = new PolyphaseFilter(source.SampleRate, targetSampleRate, up);
        coefficients = filter.Coefficients;
        taps = filter.Taps;
        phases = filter.Phases;
        history = new float[taps + Math.Max(ChunkSize, taps)];

        // Zeros before the first sample, so the first output is centred on input sample 0 (no delay).
        filled = (taps / 2) - 1;
    }

    public int SampleRate { get; }

    public int Read(Span<float> buffer)
    {
        int produced = 0;
        while (produced < buffer.Length)
        {
            // Outputs exist for times before the last input sample: outputCount * down / up < inputCount.
            if (sourceEnded && outputCount * down >= inputCount * up)
            {
                break;
            }

            if (filled - position < taps)
            {
                Refill();
                continue;
            }

            int branch = phases == up ? phase : (int)((long)phase * phases / up);
            float value = Dot(history.AsSpan(position, taps), coefficients.AsSpan(branch * taps, taps));
            buffer[produced++] = Math.Clamp(value, -1f, 1f); // sinc ringing can overshoot full scale
            outputCount++;
            phase += down;
            position += phase / up;
            phase %= up;
        }

        return produced;
    }

    public void Dispose() => source.Dispose();

    private void Refill()
    {
        history.AsSpan(position, filled - position).CopyTo(history);
        filled -= position;
        position = 0;

        int read = source.Read(history.AsSpan(filled));
        if (read > 0)
        {
            filled += read;
            inputCount += read;
            return;
        }

        // Zeros after the last sample let the filter reach the final outputs.
        int padding = taps / 2;
        history.AsSpan(filled, padding).Clear();
        filled += padding;
        sourceEnded = true;
    }

    private static float Dot(ReadOnlySpan<float> samples, ReadOnlySpan<float> weights)
    {
        // taps is a multiple of every Vector<float>.Count, so there is no remainder.
        ReadOnlySpan<Vector<float>> x = MemoryMarshal.Cast<float, Vector<float>>(samples);
        ReadOnlySpan<Vector<float>> w = MemoryMarshal.Cast<float, Vector<float>>(weights);
        var sum = Vector<float>.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * w[i];
        }

        return Vector.Sum(sum);
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
