namespace Zamio.Shared.Audio;

/// <summary>
/// Kaiser-windowed sinc low-pass split into polyphase branches: branch p holds the taps for an output that falls
/// p/Phases of an input sample after an input sample. Each branch is normalised to unity DC gain.
/// </summary>
internal sealed class PolyphaseFilter
{
    // 80 dB stopband keeps aliases well under the fingerprint's peak-picking threshold.
    private const double StopbandAttenuationDb = 80;

    // Beyond this many branches the output time is rounded to the nearest branch (error < 1/512 input sample).
    private const int MaxPhases = 256;

    // Multiple of the widest SIMD vector (16 floats), so the dot product needs no scalar tail.
    private const int TapGranularity = 16;

    public PolyphaseFilter(int inputRate, int outputRate, int interpolation)
    {
        double minRate = Math.Min(inputRate, outputRate);
        double cutoff = 0.45 * minRate / inputRate;     // cycles per input sample
        double transition = 0.1 * minRate / inputRate;  // stopband starts at half the lower rate
        double beta = 0.1102 * (StopbandAttenuationDb - 8.7);
        int taps = (int)Math.Ceiling((StopbandAttenuationDb - 8) / (2.285 * 2 * Math.PI * transition));
        Taps = (taps + TapGranularity - 1) / TapGranularity * TapGranularity;
        Phases = Math.Min(interpolation, MaxPhases);
        Coefficients = new float[Phases * Taps];

        int half = Taps / 2;
        double windowNorm = BesselI0(beta);
        for (int phase = 0; phase < Phases; phase++)
        {
            Span<float> branch = Coefficients.AsSpan(phase * Taps, Taps);
            double fraction = (double)phase / Phases;
            double sum = 0;
            for (int k = 0; k < Taps; k++)
            {
                double distance = fraction + half - 1 - k;
                double x = distance / half;
                double window = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - (x * x)))) / windowNorm;
                double value = 2 * cutoff * Sinc(2 * cutoff * distance) * window;
                branch[k] = (float)value;
                sum += value;
            }

            for (int k = 0; k < Taps; k++)
            {
                branch[k] = (float)(branch[k] / sum);
            }
        }
    }

    /// <summary>Taps per branch; even, and centred so tap Taps/2 - 1 is the input sample at or before the output.</summary>
    public int Taps { get; }

    public int Phases { get; }

    public float[] Coefficients { get; }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, quarterSquare = x * x / 4;
        for (int k = 1; term > 1e-12 * sum; k++)
        {
            term *= quarterSquare / ((double)k * k);
            sum += term;
        }

        return sum;
    }
}
