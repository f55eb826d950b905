using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Serialization;
using Zamio.Central.Plays;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>scan RECORDING [--retracted]</c>: runs the same streaming matcher and play tracker as live ingest over a file, and
/// prints one JSON line per play in start order; with <c>--retracted</c>, also the plays a live stream would have shown
/// as ongoing and later retracted (the shadow of another airing), marked <c>"status":"retracted"</c>.
/// </summary>
public static class ScanCommand
{
    private const string RetractedFlag = "--retracted";

    public static int Run(IReadOnlyList<string> args)
    {
        var cli = CliArguments.Parse(args, SpeedSearchOption.Options, new HashSet<string> { RetractedFlag });
        if (cli.Positional.Count != 1)
        {
            throw new CliUsageException("scan needs exactly one recording");
        }

        var path = cli.Positional[0];
        if (!File.Exists(path))
        {
            throw new CliUsageException(Directory.Exists(path) ? $"'{path}' is a folder: scan takes one recording" : $"no such file: {path}");
        }

        var speeds = SpeedSearchOption.Grid(cli);
        var index = CatalogLoader.Load(cli.DataDirectory);
        var clock = Stopwatch.StartNew();
        var plays = Scan(path, new Matcher(index, speeds: speeds), out var seconds, out var reported, out var retracted);
        foreach (var play in plays)
        {
            JsonLines.Write(ScanLine.Of(play, reported[play.Id]));
        }

        if (cli.Flag(RetractedFlag))
        {
            foreach (var (play, at) in retracted)
            {
                JsonLines.Write(ScanLine.Of(play, reported[play.Id]) with
                {
                    Status = "retracted", Retracted = JsonLines.Round(FingerprintSettings.FrameToSeconds(at)),
                });
            }
        }

        Console.Error.WriteLine(
            $"scanned {seconds / 60:F1} min in {clock.Elapsed.TotalSeconds:F1} s ({seconds / clock.Elapsed.TotalSeconds:F0}x real time): {plays.Count} play(s)");
        return 0;
    }

    /// <summary>
    /// Decoding and peak extraction run on one thread, matching on the caller's: a two-stage pipeline joined
    /// by a bounded queue, so a long recording costs the slower stage, not the sum.
    /// </summary>
    /// <remarks><paramref name="reported"/>: per play id, the frame by which a live stream would have reported it;
    /// <paramref name="retracted"/>: the plays reported and later retracted, with the frame of their retraction.</remarks>
    public static List<Play> Scan(string path, Matcher matcher, out double seconds, out Dictionary<long, long> reported,
        out List<(Play Play, long RetractedAt)> retracted)
    {
        using var batches = new BlockingCollection<(Peak[] Peaks, Peak[] Support, long Frames)>(boundedCapacity: 64);
        long samples = 0;
        var producer = Task.Run(() =>
        {
            try
            {
                using var source = AudioDecoder.Open(path, FingerprintSettings.SampleRate);
                var extractor = new PeakExtractor(withSupport: true);
                List<Peak> peaks = [], support = [];
                // Fed as an agent sends it: the stream matcher decides on what has arrived, so "reported" is when a live
                // station would have shown the play.
                var buffer = new float[(int)(FingerprintSettings.SampleRate * FingerprintPacket.DefaultSeconds)];
                int read;
                while ((read = source.Read(buffer)) > 0)
                {
                    samples += read;
                    extractor.Write(buffer.AsSpan(0, read), peaks, support);
                    batches.Add(([.. peaks], [.. support], extractor.Frames));
                    peaks.Clear();
                    support.Clear();
                }

                extractor.Flush(peaks, support);
                batches.Add(([.. peaks], [.. support], extractor.Frames));
            }
            finally
            {
                batches.CompleteAdding();
            }
        });

        var stream = new StreamMatcher(matcher);
        var tracker = new PlayTracker();
        var collector = new PlayCollector();
        void OnWindow(WindowResult window)
        {
            foreach (var play in tracker.Observe(window))
            {
                collector.Keep(play, window.DecidedAtFrame);
            }
        }

        long frames = 0;
        foreach (var (peaks, support, analysed) in batches.GetConsumingEnumerable())
        {
            frames = analysed;
            stream.Append(peaks, support, frames, OnWindow);
        }

        // Rethrows a decoding failure (a truncated or unsupported file) as the exception the CLI reports.
        producer.GetAwaiter().GetResult();
        stream.Complete(frames, OnWindow);
        foreach (var play in tracker.Complete())
        {
            collector.Keep(play, frames);
        }

        reported = collector.FirstReported;
        retracted = collector.Withdrawn;
        seconds = samples / (double)FingerprintSettings.SampleRate;
        return collector.Closed;
    }
}

/// <summary>One line of <c>scan</c> output, in recording seconds.</summary>
internal sealed record ScanLine(string Track, double Start, double End, double Confidence, double Speed, double Reported)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Retracted { get; init; }

    // "reported": when a live stream would first have shown the play as ongoing (recording time, without transport).
    public static ScanLine Of(Play play, long reportedFrame) => new(
        play.TrackId,
        JsonLines.Round(FingerprintSettings.FrameCentreSeconds(play.StartFrame)),
        JsonLines.Round(FingerprintSettings.FrameCentreSeconds(play.EndFrame)),
        JsonLines.Round(play.Confidence, 3),
        JsonLines.Round(play.Speed, 4),
        JsonLines.Round(FingerprintSettings.FrameToSeconds(reportedFrame)));
}
