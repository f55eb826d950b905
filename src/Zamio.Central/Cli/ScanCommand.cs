using System.Diagnostics;
using System.Threading.Channels;
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
        var cli = CliArguments.Parse(args, SpeedSearchOption.Options, new HashSet<string>());
        if (cli.Positional.Count != 1)
        {
            throw new CliUsageException("scan needs exactly one recording");
        }

        var path = cli.Positional[0];
        if (!File.Exists(path))
        {
            throw new CliUsageException($"no such file: {path}");
        }

        var speeds = SpeedSearchOption.Grid(cli);
        var index = CatalogLoader.Load(cli.DataDirectory);
        var clock = Stopwatch.StartNew();
        var plays = Scan(path, new Matcher(index, speeds: speeds), out var seconds);
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

    /// <summary>
    /// Decoding and peak extraction run on one thread, matching on the caller's: a two-stage pipeline joined
    /// by a bounded channel, so a long recording costs the slower stage, not the sum.
    /// </summary>
    public static List<Play> Scan(string path, Matcher matcher, out double seconds)
    {
        var channel = Channel.CreateBounded<(Peak[] Peaks, long Frames)>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });
        long samples = 0;
        var producer = Task.Run(() =>
        {
            try
            {
                using var source = AudioDecoder.Open(path, FingerprintSettings.SampleRate);
                var extractor = new PeakExtractor();
                var peaks = new List<Peak>();
                var buffer = new float[FingerprintSettings.SampleRate * 4];
                int read;
                while ((read = source.Read(buffer)) > 0)
                {
                    samples += read;
                    extractor.Write(buffer.AsSpan(0, read), peaks);
                    Publish(channel.Writer, peaks, extractor.Frames);
                }

                extractor.Flush(peaks);
                Publish(channel.Writer, peaks, extractor.Frames);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        });

        var stream = new StreamMatcher(matcher);
        var tracker = new PlayTracker();
        var plays = new List<Play>();
        void OnWindow(WindowResult window) =>
            plays.AddRange(tracker.Observe(window).Where(p => p.Status == PlayStatus.Closed));

        long frames = 0;
        var reader = channel.Reader;
        try
        {
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var batch))
                {
                    frames = batch.Frames;
                    stream.Append(batch.Peaks, frames, OnWindow);
                }
            }
        }
        finally
        {
            producer.GetAwaiter().GetResult();
        }

        stream.Complete(frames, OnWindow);
        plays.AddRange(tracker.Complete().Where(p => p.Status == PlayStatus.Closed));
        plays.Sort((a, b) => a.StartFrame.CompareTo(b.StartFrame));
        seconds = samples / (double)FingerprintSettings.SampleRate;
        return plays;
    }

    private static void Publish(ChannelWriter<(Peak[] Peaks, long Frames)> writer, List<Peak> peaks, long frames)
    {
        var batch = (peaks.ToArray(), frames);
        peaks.Clear();
        while (!writer.TryWrite(batch))
        {
            writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
