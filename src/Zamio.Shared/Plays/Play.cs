using Zamio.Shared.Matching;

namespace Zamio.Shared.Plays;

public enum PlayStatus
{
    Ongoing,
    Closed,

    /// <summary>Reported as ongoing earlier, then found to be the shadow of a stronger concurrent play.</summary>
    Retracted,
}

/// <summary>
/// One airing of a track on a stream, in stream frames. <see cref="Id"/> is unique within a tracker and stable
/// from the first report to the close, so a store can upsert by it.
/// </summary>
public sealed record Play(
    long Id,
    int TrackIndex,
    string TrackId,
    long StartFrame,
    long EndFrame,
    double Confidence,
    double Speed,
    Alignment Alignment,
    PlayStatus Status);
