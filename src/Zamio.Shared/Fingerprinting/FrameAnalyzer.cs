namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// Streaming short-time spectrum: buffers samples, and every <see cref="FingerprintSettings.HopSize"/> samples
/// produces one frame of log power for bins [<see cref="MinBin"/>, <see cref="MaxBin"/>).
/// Everything is allocated in the constructor; steady-state processing allocates nothing.
/// </summary>
public sealed class FrameAnalyzer
{
    // 300-3600 Hz survives telephone band-limiting and most codecs; below it the bins are too coarse in log scale.
    public const int MinBin = 38;
    public const int MaxBin = 461;
    public const int BinCount = MaxBin - MinBin;

    private readonly float[] _window;
    private readonly float[] _history;
    private readonly float[] _windowed;
    private readonly float[] _power;
    private readonly RealFft _fft = new(FingerprintSettings.FftSize);
    private int _filled;
    private int _sinceLastFrame;

    public FrameAnalyzer()
    {
        _window = new float[FingerprintSettings.FftSize];
        for (var i = 0; i < _window.Length; i++)
        {
            _window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / _window.Length));
        }

        _history = new float[FingerprintSettings.FftSize];
        _windowed = new float[FingerprintSettings.FftSize];
        _power = new float[BinCount];
    }

    /// <summary>Frames produced so far.</summary>
    public long FramesProduced { get; private set; }

    /// <summary>
    /// Consumes samples until one frame is ready or input runs out. Returns the number of samples consumed;
    /// <paramref name="frameReady"/> tells whether <paramref name="frame"/> was filled.
    /// </summary>
    public int Consume(ReadOnlySpan<float> samples, Span<float> frame, out bool frameReady)
    {
        if (frame.Length < BinCount)
        {
            throw new ArgumentException($"frame buffer needs {BinCount} values", nameof(frame));
        }

        frameReady = false;
        var consumed = 0;
        while (consumed < samples.Length)
        {
            if (_filled < _history.Length)
            {
                // Priming: the first frame needs a full window.
                var take = Math.Min(_history.Length - _filled, samples.Length - consumed);
                samples.Slice(consumed, take).CopyTo(_history.AsSpan(_filled));
                _filled += take;
                consumed += take;
                if (_filled == _history.Length)
                {
                    Compute(frame);
                    frameReady = true;
                    return consumed;
                }

                continue;
            }

            var hopTake = Math.Min(FingerprintSettings.HopSize - _sinceLastFrame, samples.Length - consumed);
            // Shift-free ring would save a copy, but a 4 KB memmove per hop is cheaper than the FFT by far.
            var keep = _history.Length - hopTake;
            Array.Copy(_history, hopTake, _history, 0, keep);
            samples.Slice(consumed, hopTake).CopyTo(_history.AsSpan(keep));
            consumed += hopTake;
            _sinceLastFrame += hopTake;
            if (_sinceLastFrame == FingerprintSettings.HopSize)
            {
                _sinceLastFrame = 0;
                Compute(frame);
                frameReady = true;
                return consumed;
            }
        }

        return consumed;
    }

    private void Compute(Span<float> frame)
    {
        for (var i = 0; i < _windowed.Length; i++)
        {
            _windowed[i] = _history[i] * _window[i];
        }

        _fft.Power(_windowed, MinBin, _power);
        for (var b = 0; b < BinCount; b++)
        {
            // Natural-log power with a floor: peak picking compares values, so the floor only silences digital zero.
            frame[b] = MathF.Log(_power[b] + 1e-9f);
        }

        FramesProduced++;
    }
}
