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
    public static int Run(IReadOnlyList<string> args, IConfiguration? configuration = null)
    {
        var cli = CliArguments.Parse(args, new HashSet<string> { "--from", "--to", "--station" }, new HashSet<string> { "--csv" });
        if (cli.Positional.Count > 0)
        {
            throw new CliUsageException($"report takes no arguments besides its options (got '{cli.Positional[0]}')");
        }

        var from = PlayReading.Time(cli, "--from");
        var to = PlayReading.Time(cli, "--to");
        if (AirplayReport.CheckPeriod(from, to) is { } problem)
        {
            throw new CliUsageException($"report --from T --to T: {problem}");
        }

        using var reading = PlayReading.Open(cli, configuration);
        var totals = reading.Store.Airplay(cli.Option("--station"), from!.Value, to!.Value);
        var lines = AirplayReport.Describe(totals, reading.Metadata);
        if (cli.Flag("--csv"))
        {
            AirplayReport.WriteCsv(Console.Out, lines);
        }
        else
        {
            foreach (var line in lines)
            {
                JsonLines.Write(line);
            }
        }

        Console.Error.WriteLine($"{lines.Count} station/track line(s), {lines.Sum(l => l.Plays)} play(s), {lines.Sum(l => l.Ongoing)} still ongoing");
        return 0;
    }
}
