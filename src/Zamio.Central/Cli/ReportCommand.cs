using System.Text.Json;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>report --from T --to T [--station ID] [--csv]</c>: the airplay report of the plays that began in [from, to), one JSON
/// line per station and track (or CSV), from a <see cref="SharedDeployment"/> or the embedded files under <c>--data-dir</c>.
/// </summary>
public static class ReportCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static int Run(IReadOnlyList<string> args, IConfiguration? configuration = null)
    {
        var cli = CliArguments.Parse(args, new HashSet<string> { "--from", "--to", "--station" }, new HashSet<string> { "--csv" });
        if (cli.Positional.Count > 0)
        {
            throw new CliUsageException($"report takes no arguments besides its options (got '{cli.Positional[0]}')");
        }

        var from = Time(cli, "--from");
        var to = Time(cli, "--to");
        if (AirplayReport.CheckPeriod(from, to) is { } problem)
        {
            throw new CliUsageException($"report --from T --to T: {problem}");
        }

        using var shared = SharedDeployment.Open(configuration, cli);
        IReadOnlyList<AirplayTotal> totals;
        IReadOnlyList<CatalogTrack> tracks;
        if (shared is not null)
        {
            totals = shared.Services.GetRequiredService<IPlayStore>().Airplay(cli.Option("--station"), from!.Value, to!.Value);
            tracks = shared.Services.GetRequiredService<CatalogManager>().ListAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        else
        {
            if (!File.Exists(Path.Combine(cli.DataDirectory, CentralDatabase.FileName)))
            {
                Console.Error.WriteLine($"error: no plays database in '{cli.DataDirectory}' (a serve there creates it)");
                return 1;
            }

            totals = new SqlitePlayStore(CentralDatabase.Open(cli.DataDirectory)).Airplay(cli.Option("--station"), from!.Value, to!.Value);
            using var catalog = SqliteCatalogStore.Open(cli.DataDirectory);
            tracks = catalog.List();
        }

        var lines = AirplayReport.Describe(totals, tracks.ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal));
        if (cli.Flag("--csv"))
        {
            AirplayReport.WriteCsv(Console.Out, lines);
        }
        else
        {
            foreach (var line in lines)
            {
                Console.WriteLine(JsonSerializer.Serialize(line, Json));
            }
        }

        Console.Error.WriteLine($"{lines.Count} station/track line(s), {lines.Sum(l => l.Plays)} play(s), {lines.Sum(l => l.Ongoing)} still ongoing");
        return 0;
    }

    private static DateTimeOffset? Time(CliArguments cli, string option)
    {
        if (cli.Option(option) is not { } text)
        {
            return null;
        }

        return IsoTime.TryParseOptional(text, out var time)
            ? time
            : throw new CliUsageException($"{option} must be an ISO 8601 timestamp (got '{text}')");
    }
}
