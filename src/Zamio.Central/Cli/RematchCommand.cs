using Zamio.Central.Archive;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;
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
        var readers = RematchRun.Readers(roots, station, from, to);
        if (readers.Count == 0)
        {
            var whose = station is null ? "any station" : $"station '{station}'";
            Console.Error.WriteLine($"error: no archived packets of {whose} between {from:O} and {to:O} in {string.Join(", ", roots)}");
            return 1;
        }

        using var shared = SharedDeployment.Open(config, cli);
        var index = shared is not null ? CatalogLoader.Load(shared) : CatalogLoader.Load(cli.DataDirectory);
        var write = cli.Flag("--write");
        var run = new RematchRun(roots, from, to, index, Tracks(cli, index), write);
        var store = shared is not null ? shared.Services.GetRequiredService<IPlayStore>() : EmbeddedPlays(cli.DataDirectory, write);
        var progress = new ProgressBar(readers.Count, "rematching");
        var (findings, summary) = run.ExecuteAsync(readers, store, Environment.ProcessorCount, background: false, progress.Advance, TimeProvider.System, CancellationToken.None)
            .GetAwaiter().GetResult();
        foreach (var finding in findings)
        {
            JsonLines.Write(finding);
        }

        Console.Error.WriteLine(
            $"rematched {summary.Stations} station(s), {summary.Packets} packet(s) ({summary.Hours:F1} h of audio) from {summary.Files} file(s) in {summary.Seconds:F1} s: "
            + $"{findings.Count} play(s): {findings.Count(f => f.Stored is "new" or "written")} new{(write ? " (written)" : "")}, "
            + $"{findings.Count(f => f.Stored == "already")} already stored, {findings.Count(f => f.Stored == "conflict")} in conflict");
        if (summary.Unreadable + summary.SkippedBytes + summary.Duplicates > 0)
        {
            Console.Error.WriteLine($"note: {summary.Unreadable} unreadable packet(s), {summary.SkippedBytes} damaged byte(s) skipped, {summary.Duplicates} packet(s) kept twice");
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
            : to - from > RematchRun.MaxPeriod ? throw new CliUsageException($"rematch covers at most {RematchRun.MaxPeriod.TotalDays:0} days at a time")
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
}
