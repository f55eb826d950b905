using Zamio.Shared.Audio;

namespace Zamio.Agent.Sources;

/// <summary>
/// Hands samples from a driver's callback thread to the capture loop's blocking reads. Bounded like a sound
/// card buffer: if the reader falls behind by more than the capacity, the oldest samples are overwritten. A driver
/// that stops calling back without reporting an error fails the read after <c>silentFor</c>, so the source is opened
/// again instead of capture waiting for ever.
/// </summary>
internal sealed class SampleQueue(int sampleRate, int capacity, TimeSpan silentFor) : ISampleSource
{
    private readonly object _gate = new();
    private readonly float[] _ring = new float[capacity];
    private int _start;
    private int _count;
    private bool _completed;
    private Exception? _error;

    public int SampleRate => sampleRate;

    public void Write(ReadOnlySpan<float> samples)
    {
        // A pulse must mean samples (or the end), else empty callbacks would keep a silent driver's reader waiting.
        if (samples.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            foreach (var s in samples)
            {
                _ring[(_start + _count) % _ring.Length] = s;
                if (_count < _ring.Length)
                {
                    _count++;
                }
                else
                {
                    _start = (_start + 1) % _ring.Length;
                }
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>No more samples: reads drain what is left, then end (or throw, when the driver reported an error).</summary>
    public void Complete(Exception? error)
    {
        lock (_gate)
        {
            _completed = true;
            _error ??= error;
            Monitor.PulseAll(_gate);
        }
    }

    public int Read(Span<float> buffer)
    {
        lock (_gate)
        {
            while (_count == 0 && !_completed)
            {
                if (!Monitor.Wait(_gate, silentFor))
                {
                    throw new SourceUnavailableException($"capture stopped: no audio for {silentFor.TotalSeconds:0} s");
                }
            }

            if (_count == 0)
            {
                return _error is null ? 0 : throw new SourceUnavailableException($"capture stopped: {_error.Message}", _error);
            }

            var n = Math.Min(buffer.Length, _count);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = _ring[(_start + i) % _ring.Length];
            }

            _start = (_start + n) % _ring.Length;
            _count -= n;
            return n;
        }
    }

    public void Dispose() => Complete(null);
}
