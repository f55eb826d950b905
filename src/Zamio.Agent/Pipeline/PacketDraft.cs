using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Pipeline;

/// <summary>A packet's content before it gets its sequence number from the spool.</summary>
public sealed record PacketDraft(
    long CaptureStartUnixMicros,
    long StartFrame,
    int FrameCount,
    Peak[] Peaks,
    FingerprintPacketFlags Flags,
    double LevelDbfs)
{
    /// <summary>Support peaks of the same frames (<see cref="PeakPicker.ForSupport"/>).</summary>
    public Peak[] Support { get; init; } = [];

    public byte[] Encode(string stationId, ulong sequence) =>
        new FingerprintPacket(stationId, sequence, CaptureStartUnixMicros, StartFrame, FrameCount, Peaks, Flags, support: Support).ToArray();
}
