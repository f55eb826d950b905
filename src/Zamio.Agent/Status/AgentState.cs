using System.Threading.Channels;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Status;

/// <summary>Live health figures the loops update and the status heartbeat reports. Thread-safe, lock-free.</summary>
public sealed class AgentState
{
    private long _captureErrors;
    private long _droppedAudioSamples;
    private long _levelMilliDb = -120_000;
    private int _deadAir;
    private string? _lastCaptureError;
    private string? _streamTitle;
    private readonly Channel<bool> _deadAirChanges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Each time dead air starts or ends (the latest only): the status goes out then, not at the next heartbeat.</summary>
    public ChannelReader<bool> DeadAirChanges => _deadAirChanges.Reader;

    public long CaptureErrors => Interlocked.Read(ref _captureErrors);

    public string? LastCaptureError => Volatile.Read(ref _lastCaptureError);

    public long DroppedAudioSamples => Interlocked.Read(ref _droppedAudioSamples);

    public double AudioLevelDbfs => Interlocked.Read(ref _levelMilliDb) / 1000.0;

    public bool DeadAir => Volatile.Read(ref _deadAir) != 0;

    public string? StreamTitle => Volatile.Read(ref _streamTitle);

    // The status is one small MQTT message (central ignores one over StationStatus.MaxBytes); an ICY title may run to 4 KB.
    private const int MaxText = 300;

    public void CaptureFailed(string message)
    {
        Interlocked.Increment(ref _captureErrors);
        Volatile.Write(ref _lastCaptureError, WireText.Shorten(message, MaxText));
    }

    public void AudioDropped(long samples) => Interlocked.Add(ref _droppedAudioSamples, samples);

    public void SetLevel(double dbfs, bool deadAir)
    {
        Interlocked.Exchange(ref _levelMilliDb, (long)Math.Round(Math.Max(dbfs, -120) * 1000));
        var now = deadAir ? 1 : 0;
        if (Interlocked.Exchange(ref _deadAir, now) != now)
        {
            _deadAirChanges.Writer.TryWrite(deadAir);
        }
    }

    public void SetStreamTitle(string? title) => Volatile.Write(ref _streamTitle, title is null ? null : WireText.Shorten(title, MaxText));
}
