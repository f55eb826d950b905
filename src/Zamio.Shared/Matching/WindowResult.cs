namespace Zamio.Shared.Matching;

/// <summary>The accepted matches of one stream window [StartFrame, EndFrame).</summary>
public sealed record WindowResult(long StartFrame, long EndFrame, IReadOnlyList<TrackMatch> Matches)
{
    /// <summary>
    /// Not a window but the check of airings a window found first (a regular one, or an early one below a play's bar), on
    /// the peaks right after it: its matches confirm those airings and never start one.
    /// </summary>
    public bool Confirms { get; init; }

    /// <summary>
    /// An early decision of the window (see <see cref="StreamMatcher"/>), made before its lookahead arrived: it holds matches
    /// clear enough for a play on their own, and new songs a little below that, which a check on the next second's peaks
    /// (a <see cref="Confirms"/> result) may bear out; the window's regular result follows.
    /// </summary>
    public bool Early { get; init; }

    /// <summary>Stream frame by which the result was known: what a live listener waits for it.</summary>
    public long DecidedAtFrame => EndFrame + (Confirms || Early ? StreamMatcher.PeakDelayFrames : StreamMatcher.DecisionDelayFrames);
}
