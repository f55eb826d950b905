using Zamio.Central.Ingest;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Ingest;

public class SessionFeedTests
{
    // The first window (phase 0) ends a peak delay before the step; it is decided once the frames of its lookahead are final.
    private static readonly long FirstWindowEnd = StreamMatcher.StepFrames - StreamMatcher.PeakDelayFrames;
    private static readonly long FramesNeeded = FirstWindowEnd + StreamMatcher.DecisionDelayFrames - StreamMatcher.PeakDelayFrames + 1;

    [Fact]
    public void Append_PacketWhoseFramesCompleteAWindowsLookahead_DecidesTheWindowWithThatPacket()
    {
        var decided = Feed(FramesNeeded);

        Assert.Equal(FirstWindowEnd, Assert.Single(decided, w => !w.Early && !w.Confirms).EndFrame);
    }

    [Fact]
    public void Append_PacketAFrameShort_WindowWaitsForTheNext()
    {
        Assert.DoesNotContain(Feed(FramesNeeded - 1), w => !w.Early && !w.Confirms);
    }

    private static List<WindowResult> Feed(long frames)
    {
        var matcher = new StreamMatcher(new Matcher(new IndexBuilder().Build()));
        var decided = new List<WindowResult>();
        var packet = new FingerprintPacket("st-1", 0, 0, 0, (int)frames, ReadOnlySpan<Peak>.Empty);

        var seen = SessionFeed.Append(matcher, new PlayTracker(), packet, baseFrame: 0, framesSeen: null, decided.Add);

        Assert.Equal(frames, seen);
        return decided;
    }
}
