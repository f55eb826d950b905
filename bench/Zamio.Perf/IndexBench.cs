using System.Diagnostics;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Perf;

/// <summary>
/// <c>index</c>: memory per catalogue hour and build time, from real peaks (<c>--catalog-dir</c>) or synthetic
/// peaks with the same statistics; then timed 10 s queries against the built index.
/// </summary>
internal static class IndexBench
{
    private static readonly string[] AudioExtensions = [".wav", ".mp3", ".ogg", ".flac", ".m4a", ".opus", ".aac"];

    public static int Run(Options options, string[] args)
    {
        var hours = options.Double("hours", 60);
        var catalogDir = options.String("catalog-dir");
        var seed = options.Int("seed", 1);
        var queries = options.Int("queries", 100);
        var querySeconds = options.Double("query-seconds", 10);
        var noise = options.Double("noise", 0.5);
        var changes = options.Int("changes", 3);
        var trackSeconds = options.Double("track-seconds", SyntheticPeaks.DefaultTrackSeconds);
        var peaksPerSecond = options.Double("peaks-per-second", SyntheticPeaks.DefaultPeaksPerSecond);
        options.EnsureAllUsed();

        Machine.PrintHeader(args);
        var heap0 = Machine.SettledHeap();
        var ws0 = Machine.WorkingSet();

        string description;
        TimeSpan prepareTime;
        TimeSpan buildTime;
        FingerprintIndex index;
        long peakHeapDuringBuild;
        long peakWsDuringBuild;
        long heapBeforeBuild;
        using (var sampler = new MemorySampler())
        {
            var sw = Stopwatch.StartNew();
            var tracks = catalogDir is null
                ? Synthetic(hours, trackSeconds, peaksPerSecond, seed, out description)
                : Real(catalogDir, out description);
            prepareTime = sw.Elapsed;
            Console.Error.WriteLine($"prepared {tracks.Count} tracks in {prepareTime.TotalSeconds:F1} s; building");
            heapBeforeBuild = Machine.SettledHeap();
            try
            {
                sw.Restart();
                index = BuildFrom(tracks);
                buildTime = sw.Elapsed;
            }
            catch (OutOfMemoryException ex)
            {
                sampler.Dispose();
                ReportOutOfMemory(ex, tracks.Count, sampler, heapBeforeBuild);
                return 3;
            }

            sampler.Dispose();
            peakHeapDuringBuild = sampler.MaxHeap;
            peakWsDuringBuild = sampler.MaxWorkingSet;
        }

        var heap1 = Machine.SettledHeap();
        var ws1 = Machine.WorkingSet();
        var peakWs = Machine.PeakWorkingSet();
        var catalogueHours = index.TotalSeconds / 3600;
        var peakCount = index.Tracks.Sum(t => (long)t.Peaks.Count);

        Console.WriteLine($"Catalogue: {description}.");
        Console.WriteLine();
        Console.WriteLine("| Tracks | Catalogue hours | Peaks/s | Postings | Postings/s | Index MemoryBytes | MemoryBytes per hour | Per hour without the fixed directory | GC heap delta (settled) | Heap delta per hour | Working set delta (settled) | Peak working set (process) | Peak GC heap during build (sampled) | Prepare (gen/decode+extract) | Build |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {Format.N(index.Tracks.Count)} | {Format.F(catalogueHours, 1)} | {Format.F(peakCount / index.TotalSeconds, 1)} | " +
            $"{Format.N(index.PostingCount)} | {Format.F(index.PostingCount / index.TotalSeconds, 1)} | {Mb(index.MemoryBytes)} | " +
            $"{Mb3(index.MemoryBytes / catalogueHours)} | {Mb3((index.MemoryBytes - DirectoryBytes) / catalogueHours)} | {Mb(heap1 - heap0)} | {Mb3((heap1 - heap0) / catalogueHours)} | " +
            $"{Mb(ws1 - ws0)} | {Mb(Math.Max(peakWs, peakWsDuringBuild))} | {Mb(peakHeapDuringBuild)} | " +
            $"{Format.F(prepareTime.TotalSeconds, 1)} s | {Format.F(buildTime.TotalSeconds, 1)} s |");
        Console.WriteLine();
        Console.WriteLine($"MB = 10^6 bytes. GC heap before building (tracks' peaks only, settled): {Mb(heapBeforeBuild - heap0)}. " +
            $"The fixed key directory is {Mb(DirectoryBytes)} of MemoryBytes, whatever the catalogue size.");
        // Without it the build's freed working arrays stay committed, and a catalogue change at 5,000 h ran out of memory.
        Console.WriteLine($"Working set after an aggressive collection (as central runs after an index load): {Mb(Machine.ReleaseToSystem())}.");
        Console.WriteLine();

        if (changes > 0)
        {
            RunChanges(index, changes, buildTime, trackSeconds, peaksPerSecond, seed);
        }

        if (queries > 0)
        {
            RunQueries(index, queries, querySeconds, noise, seed);
        }

        Machine.PrintFooter();
        Console.WriteLine();
        GC.KeepAlive(index);
        return 0;
    }

    /// <summary>
    /// A catalogue change as a live instance applies it: one track added to the recent layer
    /// (<see cref="FingerprintIndex.Layer"/>, live at once) and later merged into the main layer in the background
    /// (<see cref="FingerprintIndex.Flatten"/>), or removed (<see cref="FingerprintIndex.Retire"/>); each on the index
    /// as built, against the full build above.
    /// </summary>
    private static void RunChanges(FingerprintIndex index, int changes, TimeSpan buildTime, double trackSeconds, double peaksPerSecond, int seed)
    {
        var frameCount = FingerprintSettings.SecondsToFrame(trackSeconds);
        var layered = new List<double>();
        var merged = new List<double>();
        var removed = new List<double>();
        for (var i = 0; i < changes; i++)
        {
            var peaks = SyntheticPeaks.Generate(new Random(seed + 7919 * (i + 1)), frameCount, peaksPerSecond);
            var track = TrackPeaks.FromPeaks(peaks, frameCount);
            var sw = Stopwatch.StartNew();
            var grown = index.Layer([($"added-{i}", track)]);
            layered.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            var flat = grown.Flatten();
            merged.Add(sw.Elapsed.TotalMilliseconds);
            GC.KeepAlive(flat);
            flat = null;
            grown = null;
            GC.Collect();

            sw.Restart();
            var shrunk = index.Retire(new Dictionary<int, string> { [(i * 7919) % index.Tracks.Count] = $"\u0000removed-{i}" });
            removed.Add(sw.Elapsed.TotalMilliseconds);
            GC.KeepAlive(shrunk);
        }

        Console.WriteLine("| Catalogue change (one track) | runs | min ms | median ms | max ms | vs full build |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, times) in new[] { ("add: live in the recent layer (Layer)", layered), ("add: background merge (Flatten)", merged), ("remove (Retire)", removed) })
        {
            times.Sort();
            Console.WriteLine($"| {name} | {times.Count} | {Format.F(times[0], 1)} | {Format.F(times[times.Count / 2], 1)} | {Format.F(times[^1], 1)} | " +
                $"{Format.F(buildTime.TotalMilliseconds / times[times.Count / 2], 0)}× faster |");
        }

        Console.WriteLine($"| full build (baseline, above) | 1 | | {Format.F(buildTime.TotalMilliseconds, 0)} | | 1× |");
        Console.WriteLine();
    }

    private const long DirectoryBytes = ((1L << PairHasher.KeyBits) + 1) * sizeof(int);

    private static string Mb(double bytes) => Format.F(bytes / 1e6, 1) + " MB";

    private static string Mb3(double bytes) => Format.F(bytes / 1e6, 3) + " MB";

    private static FingerprintIndex BuildFrom(IReadOnlyList<(string Id, TrackPeaks Peaks)> tracks)
    {
        var builder = new IndexBuilder();
        foreach (var (id, peaks) in tracks)
        {
            builder.Add(id, peaks);
        }

        return builder.Build();
    }

    private static List<(string Id, TrackPeaks Peaks)> Synthetic(double hours, double trackSeconds, double peaksPerSecond, int seed, out string description)
    {
        var frameCount = FingerprintSettings.SecondsToFrame(trackSeconds);
        var count = Math.Max(1, (int)Math.Round(hours * 3600 / trackSeconds));
        var peaks = SyntheticPeaks.Catalogue(count, frameCount, peaksPerSecond, seed);
        description = $"synthetic, {Format.N(count)} tracks × {Format.F(trackSeconds, 0)} s, {Format.F(peaksPerSecond, 0)} peaks/s, " +
            $"frames uniform and sorted, Bin16 uniform in [{FrameAnalyzer.MinBin * 16}, {FrameAnalyzer.MaxBin * 16}), seed {seed}";
        var result = new List<(string, TrackPeaks)>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add((SyntheticPeaks.TrackId(i), peaks[i]));
        }

        return result;
    }

    private static List<(string Id, TrackPeaks Peaks)> Real(string dir, out string description)
    {
        var files = Directory.EnumerateFiles(dir)
            .Where(f => AudioExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new ArgumentException($"no audio files in {dir}");
        }

        var result = new TrackPeaks[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            var samples = AudioDecoder.DecodeAll(files[i], FingerprintSettings.SampleRate);
            var extractor = new PeakExtractor();
            var peaks = new List<Peak>(samples.Length / FingerprintSettings.SampleRate * 40);
            extractor.Write(samples, peaks);
            extractor.Flush(peaks);
            result[i] = TrackPeaks.FromPeaks(peaks.ToArray(), (int)extractor.Frames);
        });
        description = $"real, {files.Length} audio files in `{dir}` decoded with AudioDecoder.DecodeAll and fingerprinted with PeakExtractor " +
            $"({Environment.ProcessorCount} threads for preparation; build as IndexBuilder does it)";
        return [.. files.Select((f, i) => (Path.GetFileNameWithoutExtension(f), result[i]))];
    }

    private static void ReportOutOfMemory(OutOfMemoryException ex, int tracks, MemorySampler sampler, long heapBeforeBuild)
    {
        var info = GC.GetGCMemoryInfo();
        Console.WriteLine($"**IndexBuilder.Build ran out of memory** with {Format.N(tracks)} tracks.");
        Console.WriteLine();
        Console.WriteLine($"- GC heap before Build (settled): {Mb(heapBeforeBuild)}; peak sampled GC heap: {Mb(sampler.MaxHeap)}; " +
            $"peak sampled working set: {Mb(sampler.MaxWorkingSet)}; process peak working set: {Mb(Machine.PeakWorkingSet())}");
        Console.WriteLine($"- GC: total available {Mb(info.TotalAvailableMemoryBytes)}, high-load threshold {Mb(info.HighMemoryLoadThresholdBytes)}, " +
            $"memory load {Mb(info.MemoryLoadBytes)}, heap {Mb(info.HeapSizeBytes)}");
        Console.WriteLine();
        Console.WriteLine("```");
        Console.WriteLine(ex.ToString());
        Console.WriteLine("```");
    }

    private static void RunQueries(FingerprintIndex index, int queries, double querySeconds, double noise, int seed)
    {
        var matcher = new Matcher(index);
        var queryFrames = FingerprintSettings.SecondsToFrame(querySeconds);
        var warm = new Random(seed + 104_729);
        for (var i = 0; i < 10; i++)
        {
            var (peaks, _, _) = MakeQuery(index, warm, queryFrames, noise);
            _ = matcher.Match(peaks);
        }

        var rng = new Random(seed + 7919);
        var times = new List<double>(queries);
        var rightTrack = 0;
        var rightOffset = 0;
        var confidences = new List<double>(queries);
        long peakTotal = 0;
        var cpuTotal = TimeSpan.Zero;
        for (var q = 0; q < queries; q++)
        {
            var (peaks, track, start) = MakeQuery(index, rng, queryFrames, noise);
            peakTotal += peaks.Length;
            var cpu0 = Machine.ProcessCpu();
            var sw = Stopwatch.StartNew();
            var results = matcher.Match(peaks);
            times.Add(sw.Elapsed.TotalMilliseconds);
            cpuTotal += Machine.ProcessCpu() - cpu0;
            var top = results.Count > 0 ? results[0] : null;
            confidences.Add(top?.Confidence ?? 0);
            if (top is not null && top.TrackIndex == track && top.Confidence >= matcher.Options.AcceptConfidence)
            {
                rightTrack++;
                if (Math.Abs(top.Alignment.TrackFrame(QueryBase) - start) <= FingerprintSettings.FramesPerSecond)
                {
                    rightOffset++;
                }
            }
        }

        Console.WriteLine($"Queries: {queries} × {Format.F(querySeconds, 0)} s, peaks cut from a random catalogue track at a random offset plus " +
            $"{Format.F(noise * 100, 0)} % extra random peaks (mean {Format.F(peakTotal / (double)queries, 0)} peaks/query); Matcher with the default " +
            $"{SpeedHypothesis.DefaultGrid.Count}-speed grid, one thread, after 10 warm-up queries; only Match() is timed.");
        Console.WriteLine();
        Console.WriteLine("| Queries | Median wall ms/query | Mean wall ms | Mean CPU ms | p95 wall ms | Max wall ms | Right track, top-1 and accepted | Right offset (±1 s) | Median top confidence |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| {queries} | {Format.F(Format.Median(times), 2)} | {Format.F(times.Average(), 2)} | {Format.F(cpuTotal.TotalMilliseconds / queries, 2)} | {Format.F(Format.Percentile(times, 95), 2)} | " +
            $"{Format.F(times.Max(), 2)} | {rightTrack}/{queries} | {rightOffset}/{queries} | {Format.F(Format.Median(confidences), 3)} |");
        Console.WriteLine();
    }

    private const int QueryBase = 5000;

    private static (Peak[] Peaks, int Track, int Start) MakeQuery(FingerprintIndex index, Random rng, int queryFrames, double noise)
    {
        while (true)
        {
            var track = rng.Next(index.Tracks.Count);
            var peaks = index.Tracks[track].Peaks;
            if (peaks.FrameCount <= queryFrames)
            {
                continue;
            }

            var start = rng.Next(peaks.FrameCount - queryFrames);
            var list = new List<Peak>();
            for (var i = peaks.LowerBound(start); i < peaks.Count; i++)
            {
                var p = peaks[i];
                if (p.Frame >= start + queryFrames)
                {
                    break;
                }

                list.Add(p with { Frame = p.Frame - start + QueryBase });
            }

            if (list.Count < 10)
            {
                continue;
            }

            SyntheticPeaks.AddNoise(list, rng, (int)Math.Round(list.Count * noise), QueryBase, QueryBase + queryFrames);
            return ([.. list], track, start);
        }
    }
}
