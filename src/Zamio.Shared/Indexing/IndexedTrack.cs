namespace Zamio.Shared.Indexing;

/// <summary>A catalogue track as the index knows it: its id, where it sits on the index timeline, its peaks.</summary>
public sealed record IndexedTrack(string Id, uint Start, TrackPeaks Peaks)
{
    public uint End => Start + (uint)Peaks.FrameCount;
}
