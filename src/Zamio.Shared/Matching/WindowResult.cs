namespace Zamio.Shared.Matching;

/// <summary>The accepted matches of one stream window [StartFrame, EndFrame).</summary>
public sealed record WindowResult(long StartFrame, long EndFrame, IReadOnlyList<TrackMatch> Matches)
{
    /// <summary>
    /// Not a window but the check of airings the previous window found first, on the peaks right after it: its matches
    /// confirm those airings and never start one.
    /// </summary>
    public bool Confirms { get; init; }

    /// <summary>
    /// An early decision of the window (see <see cref="StreamMatcher"/>), made before its lookahead arrived: it holds only
    /// matches clear enough for a play on their own; the window's regular result follows.
    /// </summary>
    public bool Early { get; init; }

    /// <summary>Stream frame by which the result was known: what a live listener waits for it.</summary>
    public long DecidedAtFrame => EndFrame + (Confirms || Early ? StreamMatcher.PeakDelayFrames : StreamMatcher.DecisionDelayFrames);
}
