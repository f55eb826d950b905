using System.Diagnostics;
using System.Text.Json.Serialization;
using Zamio.Central.Archive;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Wire;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>rematch [TRACK...] [--station ID] --from T --to T [--archive DIR[:DIR...]] [--write]</c>: matches the station's
/// (or every archived station's, one per core) archived packets of [from, to) again against today's catalogue and prints one JSON line per play found (of the
/// given tracks, or of any), each marked against the stored plays: <c>new</c>, <c>already</c> (stored by live
/// ingest), or <c>conflict</c> (another track is stored over most of it: the same recording twice in the catalogue,
/// for a person to settle). With <c>--write</c> the new plays are stored, closed, under keys of their own, so a
/// second run finds them <c>already</c> stored.
/// </summary>
public static class RematchCommand
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public static int Run(IReadOnlyList<string> args, IConfiguration? configuration = null)
    {
        var cli = CliArguments.Parse(args, new HashSet<string> { "--station", "--from", "--to", "--archive" }, new HashSet<string> { "--write" });
        var station = cli.Option("--station");
        if (station is not null && !StationIds.IsValid(station))
        {
            throw new CliUsageException($"--station: {StationIds.RegistrationError(station)}");
        }

        var (from, to) = Period(cli);
        var config = configuration ?? SharedDeployment.DefaultConfiguration();
        var roots = Roots(cli, config);
        var readers = (station is null ? ArchiveFiles.Stations(roots) : [station])
            .Select(id => new ArchiveReader(roots, id))
            .Where(r => !r.IsEmpty(from, to))
            .ToList();
        if (readers.Count == 0)
        {
            var whose = station is null ? "any station" : $"station '{station}'";
            Console.Error.WriteLine($"error: no archived packets of {whose} between {from:O} and {to:O} in {string.Join(", ", roots)}");
            return 1;
        }

        using var shared = SharedDeployment.Open(config, cli);
        var index = shared is not null ? CatalogLoader.Load(shared) : CatalogLoader.Load(cli.DataDirectory);
        var wanted = Tracks(cli, index);
        var store = shared is not null ? shared.Services.GetRequiredService<IPlayStore>() : EmbeddedPlays(cli.DataDirectory, cli.Flag("--write"));

        // Stations are independent streams, matched one per core; a matcher keeps scratch buffers, so each thread has its own.
        var clock = Stopwatch.StartNew();
        var narrow = wanted is null ? null : Rematcher.NarrowIndex(index, wanted);
        long frames = 0;
        var found = new List<RematchedPlay>[readers.Count];
        var progress = new ProgressBar(readers.Count, "rematching");
        Parallel.For(0, readers.Count, () => (Full: new Matcher(index), Narrow: narrow is null ? null : new Matcher(narrow)), (i, _, matchers) =>
        {
            var packets = readers[i].Read(from, to).Select(p => { Interlocked.Add(ref frames, p.FrameCount); return p; });
            found[i] = matchers.Narrow is null
                ? Rematcher.Match(packets, matchers.Full)
                : Rematcher.MatchNamed(packets, new ArchiveReader(roots, readers[i].Station).Read, matchers.Narrow, matchers.Full, wanted!);
            progress.Advance(readers[i].Station);
            return matchers;
        }, _ => { });
        var lines = readers.Zip(found).SelectMany(r => Compare(r.First.Station, r.Second, store)).ToList();
        if (cli.Flag("--write") && store is not null)
        {
            var rows = lines.Where(l => l.Stored == "new").Select(l => l.ToRecord()).ToList();
            store.UpsertAsync(rows, DateTimeOffset.UtcNow, CancellationToken.None).GetAwaiter().GetResult();
            lines = [.. lines.Select(l => l.Stored == "new" ? l with { Stored = "written" } : l)];
        }

        foreach (var line in lines)
        {
            JsonLines.Write(line);
        }

        var stats = readers.Select(r => r.Stats).ToList();
        var hours = FingerprintSettings.FrameToSeconds(frames) / 3600;
        Console.Error.WriteLine(
            $"rematched {readers.Count} station(s), {stats.Sum(s => s.Packets)} packet(s) ({hours:F1} h of audio) from {stats.Sum(s => s.Files)} file(s) in {clock.Elapsed.TotalSeconds:F1} s: "
            + $"{lines.Count} play(s): {lines.Count(l => l.Stored is "new" or "written")} new{(cli.Flag("--write") ? " (written)" : "")}, "
            + $"{lines.Count(l => l.Stored == "already")} already stored, {lines.Count(l => l.Stored == "conflict")} in conflict");
        var (unreadable, skipped, duplicates) = (stats.Sum(s => s.Unreadable), stats.Sum(s => s.SkippedBytes), stats.Sum(s => s.Duplicates));
        if (unreadable + skipped + duplicates > 0)
        {
            Console.Error.WriteLine($"note: {unreadable} unreadable packet(s), {skipped} damaged byte(s) skipped, {duplicates} packet(s) kept twice");
        }

        return 0;
    }

    private static (DateTimeOffset From, DateTimeOffset To) Period(CliArguments cli)
    {
        DateTimeOffset At(string option) =>
            cli.Option(option) is not { } text ? throw new CliUsageException($"rematch needs {option} T (ISO 8601)")
            : IsoTime.TryParseOptional(text, out var time) && time is { } value ? value
            : throw new CliUsageException($"{option} must be an ISO 8601 timestamp (got '{text}')");
        var (from, to) = (At("--from"), At("--to"));
        return to <= from ? throw new CliUsageException("--to must be later than --from")
            : to - from > MaxPeriod ? throw new CliUsageException($"rematch covers at most {MaxPeriod.TotalDays:0} days at a time")
            : (from, to);
    }

    // Archive folders: --archive, else the one serve writes (Zamio:Archive:Directory, or archive under --data-dir).
    private static List<string> Roots(CliArguments cli, IConfiguration configuration)
    {
        if (cli.Option("--archive") is { } given)
        {
            return [.. given.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)];
        }

        var options = configuration.GetSection(ArchiveOptions.Section).Get<ArchiveOptions>() ?? new ArchiveOptions();
        return [options.ResolveDirectory(cli.DataDirectory)];
    }

    private static HashSet<string>? Tracks(CliArguments cli, FingerprintIndex index)
    {
        if (cli.Positional.Count == 0)
        {
            return null;
        }

        var known = index.Tracks.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = cli.Positional.Where(t => !known.Contains(t)).ToList();
        return unknown.Count > 0
            ? throw new CliUsageException($"not in the catalogue: {string.Join(", ", unknown)}")
            : cli.Positional.ToHashSet(StringComparer.Ordinal);
    }

    // Without a plays database nothing is stored yet: every play is new, and --write creates it.
    private static SqlitePlayStore? EmbeddedPlays(string dataDirectory, bool write) =>
        write || File.Exists(Path.Combine(dataDirectory, CentralDatabase.FileName))
            ? new SqlitePlayStore(CentralDatabase.Open(dataDirectory))
            : null;

    // One paged read of the station's stored plays over the span of what was found, not one query per play.
    private static IEnumerable<RematchLine> Compare(string station, List<RematchedPlay> plays, IPlayStore? store)
    {
        List<PlayRecord> stored = store is null || plays.Count == 0 ? [] : [.. store.QueryAll(station, plays.Min(p => p.Start), plays.Max(p => p.End))];
        return plays.Select(play => Compare(station, play, stored.Where(p => p.Start < play.End && p.End >= play.Start)));
    }

    private static RematchLine Compare(string station, RematchedPlay play, IEnumerable<PlayRecord> overlapping)
    {
        var line = new RematchLine(station, play.Track, play.Start, play.End, play.Confidence, play.Speed, "new");
        var stored = overlapping.ToList();
        if (stored.Any(p => p.Track == play.Track))
        {
            return line with { Stored = "already" };
        }

        var half = (play.End - play.Start) / 2;
        return stored.FirstOrDefault(p => Overlap(p, play) >= half) is { } other ? line with { Stored = "conflict", With = other.Track } : line;
    }

    private static TimeSpan Overlap(PlayRecord stored, RematchedPlay play) =>
        (stored.End < play.End ? stored.End : play.End) - (stored.Start > play.Start ? stored.Start : play.Start);
}

/// <summary>One line of <c>rematch</c> output; <see cref="With"/> names the stored track a conflicting play lies under.</summary>
internal sealed record RematchLine(string Station, string Track, DateTimeOffset Start, DateTimeOffset End, double Confidence, double Speed, string Stored)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? With { get; init; }

    // Its own key: a second run writes onto the same row, and never onto a row live ingest keeps updating.
    public PlayRecord ToRecord() =>
        new(Station, $"{Station}/rematch/{Track}/{Start.ToUnixTimeMilliseconds()}", Track, Start, End, Confidence, Speed, "closed");
}
