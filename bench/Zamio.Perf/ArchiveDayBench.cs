using System.Globalization;
using System.Text.Json.Nodes;
using Zamio.Central.Archive;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Perf;

/// <summary>
/// <c>archive-day</c>: a station's fingerprint archive as <c>serve</c> keeps it, for timing <c>rematch</c>: the
/// benchmark programmes back to back, over and over, for <c>--hours</c> from <c>--start</c>, in 2 s packets of one
/// agent stream; beside it <c>truth/STATION.truth.json</c>, the programmes' truth on that clock (seconds from
/// <c>--start</c>) in the programmes' own format, for <c>Zamio.Bench score-dir</c>.
/// </summary>
internal static class ArchiveDayBench
{
    private static readonly double FramesPerPacket = FingerprintSettings.FramesPerSecond * 2;
    private static readonly long MicrosPerFrame = 1_000_000L * FingerprintSettings.HopSize / FingerprintSettings.SampleRate;

    public static int Run(Options options)
    {
        var programmesDir = options.String("programmes") ?? "bench-data/main/programmes";
        var hours = options.Double("hours", 24);
        var station = options.String("station") ?? "bench-fm";
        var root = options.String("out") ?? throw new ArgumentException("--out DIR (the archive folder) is needed");
        var start = DateTimeOffset.Parse(options.String("start") ?? "2026-11-30T00:00:00Z", CultureInfo.InvariantCulture);
        options.EnsureAllUsed();
        var names = Directory.GetFiles(programmesDir, "*.wav").Order(StringComparer.Ordinal).ToList();
        Console.Error.WriteLine($"extracting {names.Count} programmes ...");
        var programmes = names.Select(MatchProgrammesBench.Extract).ToList();

        Directory.CreateDirectory(root);
        var plays = new List<JsonNode?>();
        var unknown = new List<JsonNode?>();
        var files = new Dictionary<string, FileStream>(StringComparer.Ordinal);
        long offset = 0, packets = 0;
        ulong sequence = 0;
        var end = FingerprintSettings.SecondsToFrame(hours * 3600);
        for (var p = 0; offset < end; p = (p + 1) % programmes.Count)
        {
            var (peaks, support, frames) = programmes[p];
            AddTruth(Path.ChangeExtension(names[p], ".truth.json"), FingerprintSettings.FrameToSeconds(offset), plays, unknown);
            int from = 0, supportFrom = 0;
            for (var k = 0; (long)Math.Floor(k * FramesPerPacket) < frames; k++)
            {
                var first = (long)Math.Floor(k * FramesPerPacket);
                var last = Math.Min((long)Math.Floor((k + 1) * FramesPerPacket), frames);
                var to = Peak.FirstAtOrAfter(peaks, last);
                var supportTo = Peak.FirstAtOrAfter(support, last);
                var packet = new FingerprintPacket(station, ++sequence, FingerprintPacket.ToUnixMicros(At(start, offset + first)), offset + first, (int)(last - first),
                    Shifted(peaks.AsSpan(from, to - from), offset), support: Shifted(support.AsSpan(supportFrom, supportTo - supportFrom), offset));
                var path = ArchiveFiles.DayFile(root, station, ArchiveFiles.DayOf(packet.CaptureStart));
                if (!files.TryGetValue(path, out var file))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    files[path] = file = File.Create(path);
                }

                ArchiveFiles.WriteRecord(file, packet.ToArray());
                (from, supportFrom) = (to, supportTo);
                packets++;
            }

            offset += frames;
        }

        foreach (var file in files.Values)
        {
            file.Dispose();
        }

        var truth = new JsonObject
        {
            ["programme"] = station, ["condition"] = "day", ["duration"] = FingerprintSettings.FrameToSeconds(offset),
            ["plays"] = new JsonArray([.. plays]), ["unknown"] = new JsonArray([.. unknown]),
        };
        Directory.CreateDirectory(Path.Combine(root, "truth"));
        File.WriteAllText(Path.Combine(root, "truth", station + ".truth.json"), truth.ToJsonString());

        var bytes = files.Keys.Sum(f => new FileInfo(f).Length);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{packets} packets, {FingerprintSettings.FrameToSeconds(offset) / 3600:F2} h of audio, {bytes / 1e6:F1} MB in {files.Count} day file(s) under {root}"));
        return 0;
    }

    private static DateTimeOffset At(DateTimeOffset start, long frame) => start.AddTicks(frame * MicrosPerFrame * 10);

    private static Peak[] Shifted(ReadOnlySpan<Peak> peaks, long offset)
    {
        var shifted = new Peak[peaks.Length];
        for (var i = 0; i < peaks.Length; i++)
        {
            shifted[i] = peaks[i] with { Frame = (int)(peaks[i].Frame + offset) };
        }

        return shifted;
    }

    // The programme's truth moved to where it lies in the day.
    private static void AddTruth(string path, double offsetSeconds, List<JsonNode?> plays, List<JsonNode?> unknown)
    {
        if (!File.Exists(path))
        {
            return;
        }

        var programme = JsonNode.Parse(File.ReadAllText(path))!;
        foreach (var (items, into) in new[] { ("plays", plays), ("unknown", unknown) })
        {
            foreach (var item in programme[items]!.AsArray())
            {
                var moved = item!.DeepClone();
                moved["start"] = moved["start"]!.GetValue<double>() + offsetSeconds;
                moved["end"] = moved["end"]!.GetValue<double>() + offsetSeconds;
                into.Add(moved);
            }
        }
    }
}
