using System.Diagnostics;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>scan RECORDING</c>: runs the same streaming matcher and play tracker as live ingest over a file, and
/// prints one JSON line per play in start order.
/// </summary>
public static class ScanCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        var cli = CliArguments.Parse(args, new HashSet<string>(), new HashSet<string>());
        if (cli.Positional.Count != 1)
        {
            throw new CliUsageException("scan needs exactly one recording");
        }

        var path = cli.Positional[0];
        if (!File.Exists(path))
        {
            throw new CliUsageException($"no such file: {path}");
        }

        var index = CatalogLoader.Load(cli.DataDirectory);
        var clock = Stopwatch.StartNew();
        var plays = Scan(path, new Matcher(index), out var seconds);
        foreach (var play in plays)
        {
            JsonLines.Write(new
            {
                track = play.TrackId,
                start = JsonLines.Round(FingerprintSettings.FrameCentreSeconds(play.StartFrame)),
                end = JsonLines.Round(FingerprintSettings.FrameCentreSeconds(play.EndFrame)),
                confidence = JsonLines.Round(play.Confidence, 3),
                speed = JsonLines.Round(play.Speed, 4),
            });
        }

        Console.Error.WriteLine(
            $"scanned {seconds / 60:F1} min in {clock.Elapsed.TotalSeconds:F1} s ({seconds / clock.Elapsed.TotalSeconds:F0}x real time): {plays.Count} play(s)");
        return 0;
    }

    public static List<Play> Scan(string path, Matcher matcher, out double seconds)
    {
        using var source = AudioDecoder.Open(path, FingerprintSettings.SampleRate);
        var extractor = new PeakExtractor();
        var stream = new StreamMatcher(matcher);
        var tracker = new PlayTracker();
        var plays = new List<Play>();
        var peaks = new List<Peak>();
        var buffer = new float[FingerprintSettings.SampleRate * 2];
        long samples = 0;
        void OnWindow(WindowResult window) =>
            plays.AddRange(tracker.Observe(window).Where(p => p.Status == PlayStatus.Closed));

        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            samples += read;
            peaks.Clear();
            extractor.Write(buffer.AsSpan(0, read), peaks);
            stream.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(peaks), extractor.Frames, OnWindow);
        }

        peaks.Clear();
        extractor.Flush(peaks);
        stream.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(peaks), extractor.Frames, OnWindow);
        stream.Complete(extractor.Frames, OnWindow);
        plays.AddRange(tracker.Complete());
        plays.Sort((a, b) => a.StartFrame.CompareTo(b.StartFrame));
        seconds = samples / (double)FingerprintSettings.SampleRate;
        return plays;
    }
}
