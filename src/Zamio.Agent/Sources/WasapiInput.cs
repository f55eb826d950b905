using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using NAudio.CoreAudioApi;
using NAudio.Wave;
using Zamio.Agent.Devices;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Sources;

/// <summary>
/// An open WASAPI capture: the device's mix format (usually 48 kHz float stereo) mixed to mono in the driver
/// callback, queued, and resampled to 8 kHz on the capture loop's reads.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WasapiInput : IAudioInput
{
    private readonly WasapiRecorder _capture;
    private readonly PcmFormat _format;
    private readonly SampleQueue _queue;
    private readonly Resampler _samples;
    private readonly TaskCompletionSource _firstAudio = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private float[] _mono = [];
    private int _disposed;

    private WasapiInput(WasapiRecorder capture, PcmFormat format, int sampleRate, TimeSpan silentFor)
    {
        _capture = capture;
        _format = format;
        _queue = new SampleQueue(sampleRate, sampleRate * 10, silentFor); // 10 s, like the capture channel
        _samples = new Resampler(_queue, FingerprintSettings.SampleRate);
        capture.DataAvailable += OnData;
        capture.RecordingStopped += (_, e) =>
        {
            _firstAudio.TrySetException(e.Exception ?? new InvalidOperationException("capture stopped"));
            _queue.Complete(e.Exception);
        };
    }

    public string? Hint => null;

    public static async Task<IAudioInput> OpenAsync(string description, string device, TimeSpan firstAudioTimeout, TimeSpan silentFor, CancellationToken cancellationToken)
    {
        WasapiInput? input = null;
        try
        {
            var capture = new WasapiRecorderBuilder().WithDevice(WasapiDevices.Find(device)).WithSharedMode().Build();
            var wave = capture.WaveFormat;
            var isFloat = wave.Encoding == WaveFormatEncoding.IeeeFloat
                || (wave is WaveFormatExtensible extensible && extensible.SubFormat == AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT);
            var format = new PcmFormat(wave.BitsPerSample, isFloat, wave.Channels);
            if (!format.IsSupported)
            {
                capture.Dispose();
                throw new SourceUnavailableException($"{description}: unsupported capture format {wave}");
            }

            input = new WasapiInput(capture, format, wave.SampleRate, silentFor);
            capture.StartRecording();
            await input._firstAudio.Task.WaitAsync(firstAudioTimeout, cancellationToken).ConfigureAwait(false);
            return input;
        }
        catch (Exception ex) when (ex is COMException or InvalidOperationException or TimeoutException)
        {
            input?.Dispose();
            var reason = ex is TimeoutException ? $"no audio within {firstAudioTimeout.TotalSeconds:0} s" : ex.Message;
            throw new SourceUnavailableException($"{description}: {reason}", ex);
        }
        catch
        {
            input?.Dispose();
            throw;
        }
    }

    public int Read(Span<float> buffer) => _samples.Read(buffer);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _capture.Dispose(); // stops recording
            _samples.Dispose(); // completes the queue, so a blocked read ends
        }
    }

    private void OnData(ReadOnlySpan<byte> data, AudioClientBufferFlags flags, long devicePosition, long qpcPosition)
    {
        var frames = data.Length / _format.BlockAlign;
        if (_mono.Length < frames)
        {
            _mono = new float[frames];
        }

        // A buffer flagged silent carries no valid bytes: it is silence of that length.
        var mono = _mono.AsSpan(0, frames);
        if ((flags & AudioClientBufferFlags.Silent) != 0)
        {
            mono.Clear();
        }
        else
        {
            _format.ToMono(data, mono);
        }

        _queue.Write(mono);
        _firstAudio.TrySetResult();
    }
}
