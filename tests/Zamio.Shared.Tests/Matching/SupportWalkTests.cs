using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Matching;

public class SupportWalkTests
{
    private const int Bins = 256;
    private static readonly Alignment AsRecorded = new(0, 0, 1, 1);

    [Fact]
    public void Reach_ForwardPastTheSongsEnd_StopsAtTheEndThoughTheTracksNotesComeBackInStepLater()
    {
        // The song sounds to 10 s; 4 s later something hits the track's own places for 1.5 s (as a jingle on its beat can).
        var (track, support) = Scene(songUntil: 10, echoFrom: 14, echoUntil: 15.5);

        var reach = Seconds(new SupportWalk().Reach(support, 0, Frame(40), track, AsRecorded, Frame(6), Frame(20), acrossLongGaps: false));

        Assert.InRange(reach, 9.5, 10.1);
    }

    [Fact]
    public void Reach_ForwardOverAShortDropOut_ReachesTheSongBeyondIt()
    {
        // The same song lost for 2 s (the next song's loud entry) and heard again: a fade-out still under way.
        var (track, support) = Scene(songUntil: 10, echoFrom: 12, echoUntil: 13.5);

        var reach = Seconds(new SupportWalk().Reach(support, 0, Frame(40), track, AsRecorded, Frame(6), Frame(20), acrossLongGaps: false));

        Assert.InRange(reach, 13, 13.6);
    }

    [Theory]
    [InlineData(true, 5.9, 6.5)]
    [InlineData(false, 13.9, 14.5)]
    public void Reach_BackwardOverALongMaskedStretch_CrossesItOnlyWhenAllowed(bool acrossLongGaps, double reachFrom, double reachTo)
    {
        // Under a presenter a song's intro can leave nothing for seconds: walking back, a gap is no sign of its start. A
        // caller that does not trust its alignment that far (an airing's first window) stops at the gap.
        var (track, support) = Scene(songFrom: 14, songUntil: 20, echoFrom: 6, echoUntil: 8);

        var reach = Seconds(new SupportWalk().Reach(support, 0, Frame(40), track, AsRecorded, Frame(18), Frame(2), acrossLongGaps));

        Assert.InRange(reach, reachFrom, reachTo);
    }

    // A track with a peak every fourth frame and the support peaks of a recording where its peaks are found while it
    // sounds (and in the echo), over background peaks that give decoys a few per cent of hits everywhere.
    private static (TrackPeaks Track, Peak[] Support) Scene(double songUntil, double echoFrom, double echoUntil, double songFrom = 0)
    {
        var random = new Random(20261130);
        var trackPeaks = new List<Peak>();
        for (var frame = 0; frame < Frame(40); frame += 4)
        {
            trackPeaks.Add(new Peak(frame, (ushort)(random.Next(16, Bins - 16) * 16)));
        }

        var support = new List<Peak>();
        foreach (var peak in trackPeaks)
        {
            var at = Seconds(peak.Frame);
            if ((at >= songFrom && at < songUntil) || (at >= echoFrom && at < echoUntil))
            {
                support.Add(peak);
            }
        }

        for (var frame = 0; frame < Frame(40); frame++)
        {
            for (var k = 0; k < 2; k++)
            {
                support.Add(new Peak(frame, (ushort)(random.Next(0, Bins) * 16)));
            }
        }

        support.Sort((a, b) => a.Frame != b.Frame ? a.Frame.CompareTo(b.Frame) : a.Bin16.CompareTo(b.Bin16));
        return (TrackPeaks.FromPeaks(trackPeaks.ToArray(), Frame(40)), support.ToArray());
    }

    private static int Frame(double seconds) => FingerprintSettings.SecondsToFrame(seconds);

    private static double Seconds(long frame) => FingerprintSettings.FrameToSeconds(frame);
}
