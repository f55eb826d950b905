using System.Collections.Immutable;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

/// <summary>
/// One packet of an agent stream into the stream's matcher and play tracker, as live ingest and <c>rematch</c> both feed
/// them: frames counted from the stream's first packet, audio the agent flagged as missing bridged, support peaks when
/// the packet carries them.
/// </summary>
internal static class SessionFeed
{
    /// <param name="baseFrame">The stream frame the session counts from (its first packet's).</param>
    /// <param name="framesSeen">The session frames matched before this packet; null for its first.</param>
    /// <returns>The session frames matched with this packet.</returns>
    public static long Append(StreamMatcher matcher, PlayTracker tracker, FingerprintPacket packet, long baseFrame, long? framesSeen, Action<WindowResult> onWindow)
    {
        var start = packet.StartFrame - baseFrame;
        if (framesSeen is { } before && start > before && (packet.Flags & FingerprintPacketFlags.GapBefore) != 0)
        {
            // Audio the agent never had (its source reconnected): no evidence the song on air stopped. A jump without
            // the agent's flag is audio another instance matched (the station moved and came back), not missing.
            tracker.MissingAudio(before, start);
        }

        var analysed = start + packet.FrameCount;
        // An agent cuts a packet once its frames' peaks are final, which it knows TimeRadius frames later: so far had it
        // analysed, and so far the matcher may count. Counting the packet's end alone held every decision back 0.19 s.
        var clock = analysed + PeakPicker.TimeRadius;
        if (packet.CarriesSupport)
        {
            matcher.Append(Rebased(packet.Peaks, baseFrame), Rebased(packet.Support, baseFrame), clock, onWindow);
        }
        else
        {
            matcher.Append(Rebased(packet.Peaks, baseFrame), clock, onWindow);
        }

        return analysed;
    }

    private static Peak[] Rebased(ImmutableArray<Peak> peaks, long baseFrame)
    {
        var rebased = new Peak[peaks.Length];
        for (var i = 0; i < rebased.Length; i++)
        {
            rebased[i] = peaks[i] with { Frame = (int)(peaks[i].Frame - baseFrame) };
        }

        return rebased;
    }
}
