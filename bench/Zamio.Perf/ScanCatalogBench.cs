using System.Diagnostics;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Perf;

/// <summary>
/// <c>scan-catalog</c>: matching cost of a 30-minute programme against a 1,000-track synthetic catalogue, through
/// <see cref="StreamMatcher"/> exactly as the scanner drives it (peaks in, window results out).
/// </summary>
internal static class ScanCatalogBench
{
    public static int Run(Options options, string[] args)
    {
        var trackCount = options.Int("tracks", 1000);
        var programmeTracks = options.Int("programme-tracks", 8);
        var programmeSeconds = options.Double("programme-seconds", 1800);
        var seed = options.Int("seed", 1);
        var runs = options.Int("runs", 5);
        var noise = options.Double("noise", 0);
        var chunkFrames = options.Int("chunk-frames", 32);
        var trackSeconds = options.Double("track-seconds", SyntheticPeaks.DefaultTrackSeconds);
        var peaksPerSecond = options.Double("peaks-per-second", SyntheticPeaks.DefaultPeaksPerSecond);
        var streams = options.Int("streams", 0);
        options.EnsureAllUsed();
        Machine.PrintHeader(args);

        var frameCount = FingerprintSettings.SecondsToFrame(trackSeconds);
        var sw = Stopwatch.StartNew();
        var peaks = SyntheticPeaks.Catalogue(trackCount, frameCount, peaksPerSecond, seed);
        var generate = sw.Elapsed;
        sw.Restart();
        var builder = new IndexBuilder();
        for (var i = 0; i < peaks.Length; i++)
        {
            builder.Add(SyntheticPeaks.TrackId(i), peaks[i]);
        }

        var index = builder.Build();
        var build = sw.Elapsed;

        var (programme, truth, totalFrames) = Programme(index, programmeTracks, programmeSeconds, peaksPerSecond, noise, seed);
        var programmeDuration = totalFrames / FingerprintSettings.FramesPerSecond;
        var matcher = new Matcher(index);

        _ = Scan(matcher, programme, totalFrames, chunkFrames);
        var times = new List<double>(runs);
        var cpu = new List<double>(runs);
        List<WindowResult> windows = [];
        for (var r = 0; r < runs; r++)
        {
            var cpu0 = Machine.ProcessCpu();
            sw.Restart();
            windows = Scan(matcher, programme, totalFrames, chunkFrames);
            times.Add(sw.Elapsed.TotalSeconds);
            cpu.Add((Machine.ProcessCpu() - cpu0).TotalSeconds);
        }

        var (inside, recognised, wrong, gapOnly) = Score(windows, truth);
        var median = Format.Median(times);
        Console.WriteLine($"Catalogue: synthetic, {Format.N(trackCount)} tracks × {Format.F(trackSeconds, 0)} s = {Format.F(index.TotalSeconds / 3600, 1)} h, " +
            $"{Format.F(peaksPerSecond, 0)} peaks/s, seed {seed}; {Format.N(index.PostingCount)} postings, {Format.F(index.MemoryBytes / 1e6, 1)} MB; " +
            $"generated in {Format.F(generate.TotalSeconds, 1)} s, built in {Format.F(build.TotalSeconds, 1)} s.");
        Console.WriteLine($"Programme: {programmeTracks} catalogue tracks' peaks (whole tracks, shifted in time) separated by runs of random " +
            $"non-catalogue peaks, {Format.F(programmeDuration / 60, 1)} min, {Format.N(programme.Length)} peaks" +
            $"{(noise > 0 ? $", plus {Format.F(noise * 100, 0)} % random noise peaks" : string.Empty)}. Fed to one StreamMatcher " +
            $"({Format.F(StreamMatcher.WindowFrames / FingerprintSettings.FramesPerSecond, 0)} s windows every " +
            $"{Format.F(StreamMatcher.StepFrames / FingerprintSettings.FramesPerSecond, 0)} s) in chunks of {chunkFrames} frames; one thread; " +
            $"1 warm-up scan, median of {runs}. Matching only: no decoding, no extraction, no play tracking.");
        Console.WriteLine();
        var medianCpu = Format.Median(cpu);
        Console.WriteLine("| Catalogue | Programme | Windows | Median wall (s) | Min wall (s) | Median CPU (s) | ms/window (median wall) | × real time (median wall) | × real time (median CPU) | Windows inside a track recognised | Wrong-track accepts | Accepts in gap-only windows |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {Format.N(trackCount)} tracks, {Format.F(index.TotalSeconds / 3600, 1)} h | {Format.F(programmeDuration / 60, 1)} min | {windows.Count} | " +
            $"{Format.F(median, 3)} | {Format.F(times.Min(), 3)} | {Format.F(medianCpu, 3)} | {Format.F(median * 1000 / windows.Count, 2)} | " +
            $"{Format.N((long)(programmeDuration / median))}× | {Format.N((long)(programmeDuration / medianCpu))}× | " +
            $"{recognised}/{inside} | {wrong} | {gapOnly} |");
        Console.WriteLine();
        if (streams > 0)
        {
            Console.WriteLine("| Live streams | Managed memory per stream | After its votes are released (as for a station closed for silence) |");
            Console.WriteLine("|---:|---:|---:|");
            StreamMemoryBench.Run(matcher, programme, totalFrames, streams);
            Console.WriteLine();
        }

        Machine.PrintFooter();
        Console.WriteLine();
        return 0;
    }

    private static List<WindowResult> Scan(Matcher matcher, Peak[] programme, long totalFrames, int chunkFrames)
    {
        var windows = new List<WindowResult>();
        var stream = new StreamMatcher(matcher);
        var from = 0;
        for (long end = chunkFrames; ; end += chunkFrames)
        {
            var clock = Math.Min(end, totalFrames);
            var to = from;
            while (to < programme.Length && programme[to].Frame < clock)
            {
                to++;
            }

            stream.Append(programme.AsSpan(from, to - from), clock, windows.Add);
            from = to;
            if (clock == totalFrames)
            {
                break;
            }
        }

        stream.Complete(totalFrames, windows.Add);
        return windows;
    }

    private static (Peak[] Peaks, List<(int Track, long Start, long End)> Truth, long TotalFrames) Programme(
        FingerprintIndex index, int tracks, double seconds, double peaksPerSecond, double noise, int seed)
    {
        var rng = new Random(seed + 31_337);
        var chosen = new List<int>();
        while (chosen.Count < Math.Min(tracks, index.Tracks.Count))
        {
            var t = rng.Next(index.Tracks.Count);
            if (!chosen.Contains(t))
            {
                chosen.Add(t);
            }
        }

        var trackFrames = chosen.Sum(t => (long)index.Tracks[t].Peaks.FrameCount);
        var gapFrames = (int)Math.Max(0, (FingerprintSettings.SecondsToFrame(seconds) - trackFrames) / chosen.Count);
        var unknown = new Random(seed + 65_537);
        var peaks = new List<Peak>();
        var truth = new List<(int, long, long)>();
        var frame = 0;
        foreach (var t in chosen)
        {
            if (gapFrames > 0)
            {
                peaks.AddRange(SyntheticPeaks.Generate(unknown, gapFrames, peaksPerSecond, frame));
                frame += gapFrames;
            }

            var track = index.Tracks[t].Peaks;
            for (var i = 0; i < track.Count; i++)
            {
                var p = track[i];
                peaks.Add(p with { Frame = p.Frame + frame });
            }

            truth.Add((t, frame, frame + track.FrameCount));
            frame += track.FrameCount;
        }

        if (noise > 0)
        {
            SyntheticPeaks.AddNoise(peaks, rng, (int)(peaks.Count * noise), 0, frame);
        }

        return ([.. peaks], truth, frame);
    }

    private static (int Inside, int Recognised, int Wrong, int GapOnly) Score(List<WindowResult> windows, List<(int Track, long Start, long End)> truth)
    {
        int inside = 0, recognised = 0, wrong = 0, gapOnly = 0;
        foreach (var w in windows)
        {
            var overlapping = truth.Where(t => t.Start < w.EndFrame && t.End > w.StartFrame).ToList();
            var container = overlapping.FirstOrDefault(t => t.Start <= w.StartFrame && t.End >= w.EndFrame);
            if (overlapping.Count == 1 && container == overlapping[0])
            {
                inside++;
                if (w.Matches.Any(m => m.TrackIndex == container.Track))
                {
                    recognised++;
                }
            }

            foreach (var m in w.Matches)
            {
                if (overlapping.Count == 0)
                {
                    gapOnly++;
                }
                else if (!overlapping.Exists(t => t.Track == m.TrackIndex))
                {
                    wrong++;
                }
            }
        }

        return (inside, recognised, wrong, gapOnly);
    }
}
