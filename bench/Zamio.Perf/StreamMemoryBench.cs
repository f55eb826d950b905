using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Perf;

/// <summary>
/// Part of <c>scan-catalog --streams N</c>: the managed memory N live streams keep (each fed its own stretch of the
/// programme, so some are searching and some focused on a song), and what they keep once their votes are released,
/// as central does for a station closed for silence.
/// </summary>
internal static class StreamMemoryBench
{
    public static void Run(Matcher matcher, Peak[] programme, long totalFrames, int streamCount)
    {
        var feed = FingerprintSettings.SecondsToFrame(60);
        var empty = Machine.SettledHeap();
        var streams = new StreamMatcher[streamCount];
        var rng = new Random(7);
        for (var i = 0; i < streams.Length; i++)
        {
            var from = rng.NextInt64(0, totalFrames - feed);
            var slice = programme.Where(p => p.Frame >= from && p.Frame < from + feed)
                .Select(p => p with { Frame = (int)(p.Frame - from) }).ToArray();
            streams[i] = new StreamMatcher(matcher);
            streams[i].Append(slice, feed, _ => { });
        }

        var live = Machine.SettledHeap() - empty;
        foreach (var stream in streams)
        {
            stream.ReleaseVotes();
        }

        var released = Machine.SettledHeap() - empty;
        GC.KeepAlive(streams);
        Console.WriteLine($"| {Format.N(streamCount)} streams, 60 s each | {Format.F(live / 1024.0 / streamCount, 1)} KiB | " +
            $"{Format.F(released / 1024.0 / streamCount, 1)} KiB |");
    }
}
