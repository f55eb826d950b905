namespace Zamio.Shared.Matching;

/// <summary>
/// A linear map from query frames to track frames: track = <see cref="TrackFrameAtOrigin"/> +
/// (query − <see cref="QueryOrigin"/>) × <see cref="TimeScale"/>.
/// </summary>
public readonly record struct Alignment(long QueryOrigin, double TrackFrameAtOrigin, double TimeScale, double FreqScale)
{
    public double TrackFrame(long queryFrame) => TrackFrameAtOrigin + (queryFrame - QueryOrigin) * TimeScale;

    public double QueryFrame(double trackFrame) => QueryOrigin + (trackFrame - TrackFrameAtOrigin) / TimeScale;
}
