namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// Streaming 2-D local-maximum detector over log-power frames. A bin is a peak when it is the largest value in a
/// ±freqRadius bins × ±timeRadius frames neighbourhood and stands clearly above its frame's mean. Peaks of frame t
/// are emitted once frame t + timeRadius has arrived.
/// </summary>
/// <remarks>
/// Two shapes: <em>landmarks</em> (the default), sparse enough to hash and index; and <em>support</em> peaks, local
/// maxima of a small neighbourhood. A presenter talking over a song takes the landmarks (speech harmonics win every
/// large neighbourhood), while the song's own peaks still stand out between them as support peaks, which are checked
/// against a known alignment and never hashed.
/// </remarks>
public sealed class PeakPicker
{
    public const int FreqRadius = 12;
    public const int TimeRadius = 6;

    // Log-power contrast over the frame mean (natural log of power: 2.3 ≈ 10 dB).
    private const float MinContrast = 2.3f;

    private const int SupportFreqRadius = 3;
    private const int SupportTimeRadius = 2;
    private const float SupportMinContrast = 1.15f;

    // Below this log power the frame is treated as silence: no peaks from dither or digital zero.
    private const float SilenceFloor = -9f;

    private const int Bins = FrameAnalyzer.BinCount;

    private readonly int _freqRadius;
    private readonly int _timeRadius;
    private readonly float _minContrast;
    private readonly bool _interpolate;
    private readonly int _ringSize;
    private readonly float[][] _raw;
    private readonly float[][] _freqMax;
    private readonly float[] _frameMean;
    private readonly float[] _prefix;
    private readonly float[] _suffix;
    private long _frames;

    /// <summary>A landmark picker.</summary>
    public PeakPicker()
        : this(FreqRadius, TimeRadius, MinContrast, interpolate: true)
    {
    }

    private PeakPicker(int freqRadius, int timeRadius, float minContrast, bool interpolate)
    {
        _freqRadius = freqRadius;
        _timeRadius = timeRadius;
        _minContrast = minContrast;
        _interpolate = interpolate;
        _ringSize = 2 * timeRadius + 1;
        _raw = new float[_ringSize][];
        _freqMax = new float[_ringSize][];
        _frameMean = new float[_ringSize];
        _prefix = new float[Bins + 2 * freqRadius];
        _suffix = new float[Bins + 2 * freqRadius];
        for (var i = 0; i < _ringSize; i++)
        {
            _raw[i] = new float[Bins];
            _freqMax[i] = new float[Bins];
        }
    }

    /// <summary>
    /// A support-peak picker. Its peaks sit on whole bins (<see cref="Peak.Bin16"/> a multiple of 16): they are compared
    /// within a bin's tolerance, and whole bins travel in fewer bits.
    /// </summary>
    public static PeakPicker ForSupport() => new(SupportFreqRadius, SupportTimeRadius, SupportMinContrast, interpolate: false);

    /// <summary>Adds frame number <c>FramesSeen</c>; appends the peaks that became final to <paramref name="output"/>.</summary>
    public void Push(ReadOnlySpan<float> frame, List<Peak> output)
    {
        var slot = (int)(_frames % _ringSize);
        frame[..Bins].CopyTo(_raw[slot]);
        _frameMean[slot] = Mean(frame[..Bins]);
        SlidingMax(frame[..Bins], _freqMax[slot]);
        _frames++;
        if (_frames > _timeRadius)
        {
            Emit(_frames - 1 - _timeRadius, output);
        }
    }

    /// <summary>Emits the peaks of the trailing frames at the end of a stream.</summary>
    public void Flush(List<Peak> output)
    {
        var first = Math.Max(0, _frames - _timeRadius);
        for (var t = first; t < _frames; t++)
        {
            Emit(t, output);
        }
    }

    public long FramesSeen => _frames;

    private void Emit(long t, List<Peak> output)
    {
        var slot = (int)(t % _ringSize);
        var raw = _raw[slot];
        var fmax = _freqMax[slot];
        var threshold = Math.Max(_frameMean[slot] + _minContrast, SilenceFloor);
        var lo = Math.Max(0, t - _timeRadius);
        var hi = Math.Min(_frames - 1, t + _timeRadius);
        for (var b = 1; b < Bins - 1; b++)
        {
            var v = raw[b];
            if (v < threshold || v < fmax[b])
            {
                continue;
            }

            if (!IsTimeMaximum(v, b, t, lo, hi))
            {
                continue;
            }

            output.Add(new Peak((int)t, _interpolate ? ToBin16(b, raw[b - 1], v, raw[b + 1]) : (ushort)((b + FrameAnalyzer.MinBin) * 16)));
        }
    }

    private bool IsTimeMaximum(float v, int b, long t, long lo, long hi)
    {
        for (var u = lo; u <= hi; u++)
        {
            if (u == t)
            {
                continue;
            }

            var other = _freqMax[(int)(u % _ringSize)][b];
            // Ties go to the earlier frame so a flat plateau yields one peak.
            if (other > v || (other == v && u < t))
            {
                return false;
            }
        }

        return true;
    }

    private static ushort ToBin16(int b, float left, float centre, float right)
    {
        // Parabolic interpolation of the log spectrum gives sub-bin frequency, which speed search needs.
        var denom = left - 2 * centre + right;
        var delta = denom < 0 ? 0.5f * (left - right) / denom : 0f;
        delta = Math.Clamp(delta, -0.5f, 0.5f);
        return (ushort)Math.Round((b + FrameAnalyzer.MinBin + delta) * 16);
    }

    private static float Mean(ReadOnlySpan<float> values)
    {
        var sum = 0f;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    // van Herk / Gil-Werman running maximum: three passes regardless of the radius.
    private void SlidingMax(ReadOnlySpan<float> input, float[] output)
    {
        var width = 2 * _freqRadius + 1;
        var n = Bins + 2 * _freqRadius;
        for (var i = 0; i < n; i++)
        {
            var src = i - _freqRadius;
            var x = src >= 0 && src < Bins ? input[src] : float.NegativeInfinity;
            _prefix[i] = i % width == 0 ? x : Math.Max(_prefix[i - 1], x);
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var src = i - _freqRadius;
            var x = src >= 0 && src < Bins ? input[src] : float.NegativeInfinity;
            _suffix[i] = i == n - 1 || (i + 1) % width == 0 ? x : Math.Max(_suffix[i + 1], x);
        }

        for (var b = 0; b < Bins; b++)
        {
            // Window [b - R, b + R] in input coordinates is [b, b + 2R] in padded coordinates.
            output[b] = Math.Max(_suffix[b], _prefix[b + 2 * _freqRadius]);
        }
    }
}
