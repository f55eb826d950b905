using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Pipeline;

/// <summary>
/// Turns timestamped audio into packet drafts that tile the frame axis: samples go through a
/// <see cref="PeakExtractor"/> (landmarks and support peaks), and a packet is cut whenever <c>packetFrames</c> frames are final (no later
/// audio can add peaks to them). A jump in the sample clock ends the current run of frames and starts a new one
/// at the matching frame, flagged <see cref="FingerprintPacketFlags.GapBefore"/>.
/// </summary>
public sealed class PacketAssembler
{
    private readonly long _epochMicros;
    private readonly int _packetFrames;
    private readonly double _silenceDbfs;
    private readonly Action<PacketDraft> _emit;
    private readonly List<Peak> _extracted = [];
    private readonly List<Peak> _extractedSupport = [];
    private readonly List<Peak> _pending = [];
    private readonly List<Peak> _pendingSupport = [];

    private PeakExtractor _extractor = new(withSupport: true);
    private long _frameOffset; // absolute frame of the extractor's frame 0
    private long _packetStart; // absolute frame where the next packet begins
    private long _expectedSample;
    private bool _gapBefore;
    private double _sumSquares;
    private long _sampleCount;
    private double _lastLevel = -120;

    public PacketAssembler(DateTimeOffset epoch, double packetSeconds, double silenceDbfs, Action<PacketDraft> emit)
    {
        _epochMicros = FingerprintPacket.ToUnixMicros(epoch);
        _packetFrames = Math.Clamp((int)Math.Floor(packetSeconds * FingerprintSettings.FramesPerSecond), 1, FingerprintPacket.MaxFrameCount);
        _silenceDbfs = silenceDbfs;
        _emit = emit;
    }

    /// <summary>Frames one full packet covers.</summary>
    public int PacketFrames => _packetFrames;

    public void Write(long startSample, ReadOnlySpan<float> samples)
    {
        if (startSample != _expectedSample)
        {
            Restart(ref startSample, ref samples);
        }

        _expectedSample = startSample + samples.Length;
        foreach (var s in samples)
        {
            _sumSquares += s * s;
        }

        _sampleCount += samples.Length;
        _extracted.Clear();
        _extractedSupport.Clear();
        _extractor.Write(samples, _extracted, _extractedSupport);
        AddPeaks();

        // Peaks of frame t are final once frame t + TimeRadius has been analysed.
        var final = _frameOffset + _extractor.Frames - PeakPicker.TimeRadius;
        while (final - _packetStart >= _packetFrames)
        {
            Cut(_packetFrames);
        }
    }

    /// <summary>Emits the frames still held back (end of input).</summary>
    public void Complete()
    {
        _extracted.Clear();
        _extractedSupport.Clear();
        _extractor.Flush(_extracted, _extractedSupport);
        AddPeaks();
        var end = _frameOffset + _extractor.Frames;
        while (end > _packetStart)
        {
            Cut((int)Math.Min(_packetFrames, end - _packetStart));
        }
    }

    // Moves startSample and samples past the samples dropped to reach a frame boundary.
    private void Restart(ref long startSample, ref ReadOnlySpan<float> samples)
    {
        Complete();
        const int hop = FingerprintSettings.HopSize;

        // Start the new run on a frame boundary no earlier than the frames already sent.
        var frame = Math.Max((startSample + hop - 1) / hop, _packetStart);
        var skip = (int)Math.Min(samples.Length, Math.Max(0, (frame * hop) - startSample));
        samples = samples[skip..];
        startSample += skip;
        _frameOffset = frame;
        _packetStart = frame;
        _extractor = new PeakExtractor(withSupport: true);
        _gapBefore = true;
        _expectedSample = startSample;
    }

    // Support peaks are final two frames after theirs, landmarks six: whatever frames a packet cuts, both are complete.
    private void AddPeaks()
    {
        AddAbsolute(_extracted, _pending);
        AddAbsolute(_extractedSupport, _pendingSupport);
    }

    private void AddAbsolute(List<Peak> extracted, List<Peak> pending)
    {
        foreach (var peak in extracted)
        {
            pending.Add(peak with { Frame = (int)(peak.Frame + _frameOffset) });
        }
    }

    private static Peak[] TakeBefore(List<Peak> pending, long end)
    {
        var count = 0;
        while (count < pending.Count && pending[count].Frame < end)
        {
            count++;
        }

        var taken = pending.GetRange(0, count).ToArray();
        pending.RemoveRange(0, count);
        return taken;
    }

    private void Cut(int frames)
    {
        var end = _packetStart + frames;
        // Noise makes about twice music's support peaks: a long packet of it can hold more than one packet may carry.
        // It ends before the frame of the first peak over the limit, and the next packet starts there.
        if (_pendingSupport.Count > FingerprintPacket.MaxSupportCount && _pendingSupport[FingerprintPacket.MaxSupportCount].Frame < end)
        {
            end = _pendingSupport[FingerprintPacket.MaxSupportCount].Frame;
            frames = (int)(end - _packetStart);
        }

        var peaks = TakeBefore(_pending, end);
        var support = TakeBefore(_pendingSupport, end);

        // Samples are counted when written, frames when final; a trailing packet may have no new samples.
        var level = _sampleCount == 0 ? _lastLevel
            : _sumSquares > 0 ? 10 * Math.Log10(_sumSquares / _sampleCount)
            : -120;
        _lastLevel = level;
        _sumSquares = 0;
        _sampleCount = 0;

        var flags = FingerprintPacketFlags.None;
        if (level < _silenceDbfs)
        {
            flags |= FingerprintPacketFlags.Silence;
        }

        if (_gapBefore)
        {
            flags |= FingerprintPacketFlags.GapBefore;
            _gapBefore = false;
        }

        _emit(new PacketDraft(_epochMicros + (_packetStart * FingerprintPacket.MicrosPerFrame), _packetStart, frames, peaks, flags, level) { Support = support });
        _packetStart = end;
    }
}
