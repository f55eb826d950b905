namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// Power spectrum of a real frame via one half-length complex radix-2 FFT and a split step. Twiddles and the
/// bit-reversal permutation are precomputed; transforms allocate nothing. FftSharp's general-purpose
/// transform costs about 0.7 ms per 1024-point frame here, two orders of magnitude over our budget.
/// </summary>
public sealed class RealFft
{
    private readonly int _size;
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[] _cos;
    private readonly float[] _sin;
    private readonly float[] _splitCos;
    private readonly float[] _splitSin;
    private readonly float[] _re;
    private readonly float[] _im;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "FFT size must be a power of two ≥ 4");
        }

        _size = size;
        _half = size / 2;
        _re = new float[_half];
        _im = new float[_half];
        _bitReverse = new int[_half];
        var bits = System.Numerics.BitOperations.Log2((uint)_half);
        for (var i = 0; i < _half; i++)
        {
            var r = 0;
            for (var b = 0; b < bits; b++)
            {
                r |= ((i >> b) & 1) << (bits - 1 - b);
            }

            _bitReverse[i] = r;
        }

        _cos = new float[_half / 2];
        _sin = new float[_half / 2];
        for (var i = 0; i < _half / 2; i++)
        {
            _cos[i] = (float)Math.Cos(2 * Math.PI * i / _half);
            _sin[i] = (float)-Math.Sin(2 * Math.PI * i / _half);
        }

        _splitCos = new float[_half];
        _splitSin = new float[_half];
        for (var k = 0; k < _half; k++)
        {
            _splitCos[k] = (float)Math.Cos(2 * Math.PI * k / size);
            _splitSin[k] = (float)-Math.Sin(2 * Math.PI * k / size);
        }
    }

    public int Size => _size;

    /// <summary>Writes |X[k]|² for k in [firstBin, firstBin + power.Length) of the real input.</summary>
    public void Power(ReadOnlySpan<float> input, int firstBin, Span<float> power)
    {
        if (input.Length != _size)
        {
            throw new ArgumentException($"input must hold {_size} samples", nameof(input));
        }

        if (firstBin < 1 || firstBin + power.Length > _half)
        {
            throw new ArgumentOutOfRangeException(nameof(firstBin), "bins must lie in [1, N/2)");
        }

        // Pack even samples as real, odd as imaginary, in bit-reversed order.
        for (var i = 0; i < _half; i++)
        {
            var j = _bitReverse[i];
            _re[j] = input[2 * i];
            _im[j] = input[2 * i + 1];
        }

        Transform();
        for (var n = 0; n < power.Length; n++)
        {
            var k = firstBin + n;
            var m = _half - k;
            // Even/odd spectra from Z[k] and conj(Z[N/2 - k]), then the final butterfly.
            var er = 0.5f * (_re[k] + _re[m]);
            var ei = 0.5f * (_im[k] - _im[m]);
            var or = 0.5f * (_im[k] + _im[m]);
            var oi = -0.5f * (_re[k] - _re[m]);
            var wr = _splitCos[k];
            var wi = _splitSin[k];
            var xr = er + wr * or - wi * oi;
            var xi = ei + wr * oi + wi * or;
            power[n] = xr * xr + xi * xi;
        }
    }

    private void Transform()
    {
        var re = _re;
        var im = _im;
        for (var len = 2; len <= _half; len <<= 1)
        {
            var halfLen = len >> 1;
            var step = _half / len;
            for (var start = 0; start < _half; start += len)
            {
                for (var j = 0; j < halfLen; j++)
                {
                    var wr = _cos[j * step];
                    var wi = _sin[j * step];
                    var a = start + j;
                    var b = a + halfLen;
                    var tr = re[b] * wr - im[b] * wi;
                    var ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }
}
