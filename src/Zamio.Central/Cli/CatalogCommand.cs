using System.Collections.Concurrent;
using System.Diagnostics;
using Zamio.Central.Catalog;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Cli;

/// <summary><c>catalog add|list|remove|describe|overlaps</c>.</summary>
public static partial class CatalogCommand
{
    private static readonly string[] SidecarNames = ["catalog.csv", "metadata.csv"];

    /// <param name="args">The verb's arguments.</param>
    /// <param name="configuration">Where to find a shared deployment (default: environment and appsettings.json).</param>
    public static int Run(IReadOnlyList<string> args, IConfiguration? configuration = null)
    {
        if (args.Count == 0)
        {
            throw new CliUsageException("catalog needs a subcommand: add PATH..., list, remove ID, describe CSV..., overlaps");
        }

        var rest = args.Skip(1);
        var cli = args[0] switch
        {
            "add" => CliArguments.Parse(rest, new HashSet<string> { "--metadata" }, new HashSet<string>()),
            "list" or "remove" or "describe" => CliArguments.Parse(rest, new HashSet<string>(), new HashSet<string>()),
            "overlaps" => CliArguments.Parse(rest, SpeedSearchOption.Options, new HashSet<string>()),
            _ => throw new CliUsageException($"unknown catalog subcommand '{args[0]}' (add, list, remove, describe, overlaps)"),
        };
        if (args[0] == "overlaps")
        {
            // Like scan and identify, it reads the embedded catalogue.
            return Overlaps(cli);
        }

        if (args[0] == "remove" && cli.Positional.Count == 0)
        {
            throw new CliUsageException("catalog remove needs a track id");
        }

        // What to add or describe is read and checked before any store is opened, so a bad path or CSV changes nothing.
        var input = args[0] == "add" ? ReadAddInput(cli) : null;
        var descriptions = args[0] == "describe" ? ReadDescriptions(cli) : null;
        var shared = SharedDeployment.Open(configuration, cli);
        if (shared is null && args[0] != "add")
        {
            DataDirectories.RequireExisting(cli.DataDirectory);
        }

        using ICatalogTarget catalog = shared is not null ? new SharedCatalog(shared) : new EmbeddedCatalog(cli.DataDirectory);
        return args[0] switch
        {
            "add" => Add(input!, catalog),
            "list" => List(catalog),
            "describe" => Describe(descriptions!, catalog),
            _ => Remove(cli, catalog),
        };
    }

    private sealed record AddInput(List<string> Files, Dictionary<string, TrackMetadata> Metadata);

    private static AddInput ReadAddInput(CliArguments cli)
    {
        if (cli.Positional.Count == 0)
        {
            throw new CliUsageException("catalog add needs at least one file or folder");
        }

        var files = ExpandPaths(cli.Positional, out var sidecars);
        if (cli.Option("--metadata") is { } explicitSidecar)
        {
            sidecars.Add(explicitSidecar);
        }

        // Sidecars merge column by column (a later file's non-empty field wins); a track already catalogued keeps
        // what no sidecar gives it.
        var metadata = MergeSidecars(sidecars);

        var clashes = files.GroupBy(TrackId).Where(g => g.Count() > 1).ToList();
        if (clashes.Count > 0)
        {
            throw new CliUsageException(string.Join("; ", clashes.Select(g => $"track id '{g.Key}' would be given to {string.Join(" and ", g.Distinct())}")));
        }

        var ids = files.Select(TrackId).ToHashSet(StringComparer.Ordinal);
        foreach (var unused in metadata.Keys.Where(id => !ids.Contains(id)).Order(StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"warning: metadata for '{unused}' matches no file being added (ids are file names without extension)");
        }

        return new AddInput(files, metadata);
    }

    private static int Add(AddInput input, ICatalogTarget catalog)
    {
        var (files, metadata) = input;
        var existing = catalog.List().ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal);

        var clock = Stopwatch.StartNew();
        var progress = new ProgressBar(files.Count, "fingerprinting");
        var failures = new ConcurrentBag<string>();
        var added = 0;
        var seconds = 0.0;
        var gate = new object();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            var id = TrackId(file);
            try
            {
                if (!TrackIds.IsValid(id))
                {
                    throw new AudioFormatException($"its name gives the track id '{id}', which must be {TrackIds.Rule}");
                }

                var audio = Fingerprinter.FromFile(file);
                if (audio.FrameCount >= TrackPeaks.MaxFrames)
                {
                    throw new AudioFormatException("longer than the longest supported track");
                }

                if (audio.Peaks.Length == 0)
                {
                    throw new AudioFormatException("no audible content to fingerprint");
                }

                var meta = (metadata.GetValueOrDefault(id) ?? TrackMetadata.None).Over(existing.GetValueOrDefault(id) ?? TrackMetadata.None);
                var track = new CatalogTrack(id, meta.Title, meta.Artist, meta.Isrc, audio.DurationSeconds,
                    FingerprintSettings.AlgorithmVersion, DateTimeOffset.UtcNow);
                var peaks = TrackPeaks.FromPeaks(audio.Peaks, audio.FrameCount);
                lock (gate)
                {
                    catalog.Add(track, peaks);
                    added++;
                    seconds += audio.DurationSeconds;
                }
            }
            catch (Exception ex) when (ex is AudioFormatException or IOException or UnauthorizedAccessException)
            {
                failures.Add($"{file}: {ex.Message}");
            }

            progress.Advance(id);
        });

        foreach (var failure in failures.Order(StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"error: {failure}");
        }

        Console.Error.WriteLine(
            $"catalogued {added} track(s), {seconds / 3600:F2} h of audio, in {clock.Elapsed.TotalSeconds:F1} s; {failures.Count} failed");
        return failures.IsEmpty ? 0 : 1;
    }

    private static int List(ICatalogTarget catalog)
    {
        foreach (var track in catalog.List())
        {
            Write(track);
        }

        return 0;
    }

    private static void Write(CatalogTrack track) => JsonLines.Write(new
    {
        track = track.Id,
        title = track.Title,
        artist = track.Artist,
        isrc = track.Isrc,
        duration = JsonLines.Round(track.DurationSeconds),
        algorithm = track.AlgorithmVersion,
    });

    private static int Overlaps(CliArguments cli)
    {
        if (cli.Positional.Count > 0)
        {
            throw new CliUsageException("catalog overlaps takes no arguments");
        }

        // At the recorded speed unless asked: the speed grid is about 17 times the work.
        var speeds = cli.Option(SpeedSearchOption.Name) is null ? null : SpeedSearchOption.Grid(cli);
        var index = CatalogLoader.Load(cli.DataDirectory);
        var clock = Stopwatch.StartNew();
        var progress = new ProgressBar(index.Tracks.Count, "matching");
        var overlaps = CatalogOverlaps.Find(index, speeds, progress.Advance);
        var pairs = overlaps.GroupBy(o => (o.Track, o.Shares))
            .OrderBy(g => g.Key.Track, StringComparer.Ordinal).ThenBy(g => g.Key.Shares, StringComparer.Ordinal).ToList();
        foreach (var pair in pairs)
        {
            var stretches = pair.OrderBy(o => o.Start).ToList();
            JsonLines.Write(new
            {
                track = pair.Key.Track,
                shares = pair.Key.Shares,
                seconds = JsonLines.Round(CatalogOverlaps.Covered(stretches)),
                stretches = stretches.Select(o => new
                {
                    start = JsonLines.Round(o.Start),
                    end = JsonLines.Round(o.End),
                    sharesStart = JsonLines.Round(o.SharesStart),
                    sharesEnd = JsonLines.Round(o.SharesEnd),
                    speed = Math.Round(o.Speed, 4),
                }),
            });
        }

        Console.Error.WriteLine(
            $"{pairs.Select(p => p.Key.Track).Distinct().Count()} of {index.Tracks.Count} tracks hold another's recording " +
            $"({overlaps.Count} stretch(es)); {clock.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    private static int Remove(CliArguments cli, ICatalogTarget catalog)
    {
        var missing = cli.Positional.Where(id => !catalog.Remove(id)).ToList();
        foreach (var id in missing)
        {
            Console.Error.WriteLine($"error: no track '{id}' in the catalogue");
        }

        Console.Error.WriteLine($"removed {cli.Positional.Count - missing.Count} track(s)");
        return missing.Count == 0 ? 0 : 1;
    }

    public static string TrackId(string path) => Path.GetFileNameWithoutExtension(path);

    private static List<string> ExpandPaths(IReadOnlyList<string> paths, out List<string> sidecars)
    {
        var files = new List<string>();
        sidecars = [];
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(AudioFileNames.IsAudio)
                    .Order(StringComparer.Ordinal));
                sidecars.AddRange(SidecarNames.Select(n => Path.Combine(path, n)).Where(File.Exists));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new CliUsageException($"no such file or folder: {path}");
            }
        }

        if (files.Count == 0)
        {
            throw new CliUsageException("no audio files found (wav, mp3, ogg, opus, flac, m4a, aac, aiff)");
        }

        // A file named twice (itself and its folder, or a folder and a subfolder) is added once.
        return [.. files.DistinctBy(Path.GetFullPath, StringComparer.Ordinal)];
    }
}
