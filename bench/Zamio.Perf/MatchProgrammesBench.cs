using System.Diagnostics;
using Zamio.Central.Catalog;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Wire;

namespace Zamio.Perf;

/// <summary>
/// <c>match-programmes</c>: central's matching cost on real broadcast-like audio. The programmes' landmarks and support
/// peaks are extracted once (not timed), then every programme is fed to its own <see cref="StreamMatcher"/> in 2 s
/// packets, as agents send them, against a catalogue from a data dir (the load bench's 1,000 tracks by default).
/// With <c>--streams N</c> it feeds N stations at once instead, a packet of each in turn for <c>--stream-seconds</c>
/// (station i airs programme i mod P from its own point), so matching meets the cache pressure of a fleet as central
/// does, without the transport.
/// </summary>
internal static class MatchProgrammesBench
{
    public static int Run(Options options, string[] args)
    {
        var dataDir = options.String("data-dir") ?? "/tmp/zperf/cat1000";
        var programmesDir = options.String("programmes") ?? "bench-data/main/programmes";
        var runs = options.Int("runs", 3);
        var packetSeconds = options.Double("packet-seconds", FingerprintPacket.DefaultSeconds);
        var streams = options.Int("streams", 0);
        var streamSeconds = options.Double("stream-seconds", 60);
        options.EnsureAllUsed();
        var packetFrames = FingerprintSettings.SecondsToFrame(packetSeconds);
        if (!File.Exists(Path.Combine(dataDir, "catalog.db")) || !Directory.Exists(programmesDir))
        {
            throw new ArgumentException($"needs a catalogue in {dataDir} (scripts/bench/central-load.sh builds it) and programmes in {programmesDir}");
        }

        Machine.PrintHeader(args);
        using var store = SqliteCatalogStore.Open(dataDir);
        var index = store.LoadIndex(out _);
        var programmes = Directory.GetFiles(programmesDir, "*.wav").Order(StringComparer.Ordinal).Select(Extract).ToList();
        var matcher = new Matcher(index);
        Func<(int Windows, int Matches)> pass = streams > 0
            ? () => MatchFleet(matcher, programmes, packetFrames, streams, FingerprintSettings.SecondsToFrame(streamSeconds))
            : () => MatchAll(matcher, programmes, packetFrames);
        var audioSeconds = streams > 0 ? streams * streamSeconds : programmes.Sum(p => p.Frames / FingerprintSettings.FramesPerSecond);

        var (windows, matches) = pass();
        var cpu = new List<double>(runs);
        var wall = new List<double>(runs);
        for (var r = 0; r < runs; r++)
        {
            var cpu0 = Machine.ProcessCpu();
            var clock = Stopwatch.StartNew();
            pass();
            wall.Add(clock.Elapsed.TotalSeconds);
            cpu.Add((Machine.ProcessCpu() - cpu0).TotalSeconds);
        }

        var medianCpu = Format.Median(cpu);
        var fed = streams > 0
            ? $"{Format.N(streams)} stations at once, {Format.F(streamSeconds, 0)} s each ({Format.F(audioSeconds / 60, 1)} min)"
            : $"{Format.F(audioSeconds / 60, 1)} min";
        Console.WriteLine($"Catalogue: `{dataDir}`, {Format.N(index.Tracks.Count)} tracks, {Format.F(index.TotalSeconds / 3600, 1)} h. " +
            $"Programmes: {programmes.Count} from `{programmesDir}`, {fed}, landmarks and support peaks " +
            $"extracted before timing, fed in {Format.F(packetSeconds, 1)} s packets; one thread; 1 warm-up pass, {runs} timed. Matching only: no decoding, extraction or play tracking.");
        Console.WriteLine();
        Console.WriteLine("| Windows | Accepted matches (a checksum of the outputs) | CPU per pass (s) | Median CPU (s) | ms per window | × real time (median CPU) |");
        Console.WriteLine("|---:|---:|---|---:|---:|---:|");
        Console.WriteLine($"| {Format.N(windows)} | {Format.N(matches)} | {string.Join(" / ", cpu.Select(c => Format.F(c, 2)))} | {Format.F(medianCpu, 2)} | " +
            $"{Format.F(medianCpu * 1000 / windows, 3)} | {Format.N((long)(audioSeconds / medianCpu))}× |");
        Console.WriteLine($"Wall per pass: {string.Join(" / ", wall.Select(w => Format.F(w, 2)))} s.");
        Console.WriteLine();
        Machine.PrintFooter();
        Console.WriteLine();
        return 0;
    }

    internal static (Peak[] Peaks, Peak[] Support, long Frames) Extract(string path)
    {
        var samples = AudioDecoder.DecodeAll(path, FingerprintSettings.SampleRate);
        var extractor = new PeakExtractor(withSupport: true);
        List<Peak> peaks = [], support = [];
        extractor.Write(samples, peaks, support);
        extractor.Flush(peaks, support);
        return ([.. peaks], [.. support], extractor.Frames);
    }

    private static (int Windows, int Matches) MatchAll(Matcher matcher, List<(Peak[] Peaks, Peak[] Support, long Frames)> programmes, int packetFrames)
    {
        int windows = 0, matches = 0;
        void OnWindow(WindowResult window)
        {
            windows++;
            matches += window.Matches.Count;
        }

        foreach (var (peaks, support, frames) in programmes)
        {
            var stream = new StreamMatcher(matcher);
            int from = 0, supportFrom = 0;
            for (long clock = packetFrames; ; clock += packetFrames)
            {
                clock = Math.Min(clock, frames);
                var to = Peak.FirstAtOrAfter(peaks, clock);
                var supportTo = Peak.FirstAtOrAfter(support, clock);
                stream.Append(peaks.AsSpan(from, to - from), support.AsSpan(supportFrom, supportTo - supportFrom), clock, OnWindow);
                (from, supportFrom) = (to, supportTo);
                if (clock == frames)
                {
                    break;
                }
            }

            stream.Complete(frames, OnWindow);
        }

        return (windows, matches);
    }

    // Every station gets a packet before any gets its next, as a fleet's packets reach central; station i starts programme
    // i mod P at its own point, 37 s further on for each round of the programmes.
    private static (int Windows, int Matches) MatchFleet(
        Matcher matcher, List<(Peak[] Peaks, Peak[] Support, long Frames)> programmes, int packetFrames, int streams, int streamFrames)
    {
        int windows = 0, matches = 0;
        void OnWindow(WindowResult window)
        {
            windows++;
            matches += window.Matches.Count;
        }

        var stations = Enumerable.Range(0, streams).Select(i =>
        {
            var (peaks, support, frames) = programmes[i % programmes.Count];
            var room = Math.Max(1, frames - streamFrames);
            var start = (long)(i / programmes.Count) * FingerprintSettings.SecondsToFrame(37) % room;
            return (Stream: new StreamMatcher(matcher), Peaks: peaks, Support: support, Start: start, End: Math.Min(frames, start + streamFrames));
        }).ToArray();
        for (long clock = packetFrames; clock < streamFrames + packetFrames; clock += packetFrames)
        {
            foreach (var (stream, peaks, support, start, end) in stations)
            {
                var from = Math.Min(end, start + clock - packetFrames);
                var to = Math.Min(end, start + clock);
                if (from == to)
                {
                    continue;
                }

                // The station's own clock starts at zero: its peaks are shifted to frames since its start.
                var packetPeaks = Shift(peaks, from, to, start);
                var packetSupport = Shift(support, from, to, start);
                stream.Append(packetPeaks, packetSupport, to - start, OnWindow);
            }
        }

        foreach (var (stream, _, _, start, end) in stations)
        {
            stream.Complete(end - start, OnWindow);
        }

        return (windows, matches);
    }

    private static Peak[] Shift(Peak[] peaks, long from, long to, long start)
    {
        var first = Peak.FirstAtOrAfter(peaks, from);
        var last = Peak.FirstAtOrAfter(peaks, to);
        var shifted = new Peak[last - first];
        for (var i = 0; i < shifted.Length; i++)
        {
            shifted[i] = peaks[first + i] with { Frame = (int)(peaks[first + i].Frame - start) };
        }

        return shifted;
    }
}
