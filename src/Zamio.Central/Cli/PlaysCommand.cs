using System.Globalization;
using Zamio.Central.Api;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>plays --from T --to T [--station ID] [--csv]</c>: the airplay log, every play overlapping [from, to) by start time,
/// one JSON line each as <c>GET /api/v1/plays</c> gives them (or CSV), read page by page so a long period streams.
/// </summary>
public static class PlaysCommand
{
    private const string CsvHeader = "station,id,track,title,artist,isrc,start,end,seconds,confidence,speed,status";

    public static int Run(IReadOnlyList<string> args, IConfiguration? configuration = null)
    {
        var cli = CliArguments.Parse(args, new HashSet<string> { "--from", "--to", "--station" }, new HashSet<string> { "--csv" });
        if (cli.Positional.Count > 0)
        {
            throw new CliUsageException($"plays takes no arguments besides its options (got '{cli.Positional[0]}')");
        }

        var (from, to) = (PlayReading.Time(cli, "--from"), PlayReading.Time(cli, "--to"));
        if (from is null || to is null)
        {
            throw new CliUsageException("plays needs --from T and --to T (ISO 8601): it lists the plays overlapping [from, to)");
        }

        if (to <= from)
        {
            throw new CliUsageException("--to must be later than --from");
        }

        using var reading = PlayReading.Open(cli, configuration);
        var csv = cli.Flag("--csv");
        if (csv)
        {
            Console.Out.Write(AirplayReport.ByteOrderMark);
            Console.Out.Write(CsvHeader + "\r\n");
        }

        var (count, ongoing) = (0, 0);
        foreach (var play in reading.Store.QueryAll(cli.Option("--station"), from.Value, to.Value))
        {
            var track = reading.Metadata.GetValueOrDefault(play.Track) ?? TrackMetadata.None;
            var line = new PlayResponse(play.Station, play.PlayKey, play.Track, track.Title, track.Artist, track.Isrc, play.Start, play.End, play.Confidence, play.Speed, play.Status);
            if (csv)
            {
                Console.Out.Write(CsvLine(line));
            }
            else
            {
                JsonLines.Write(line);
            }

            count++;
            ongoing += play.Status == "ongoing" ? 1 : 0;
        }

        Console.Error.WriteLine($"{count} play(s), {ongoing} still ongoing");
        return 0;
    }

    private static string CsvLine(PlayResponse p) => string.Join(',',
        AirplayReport.Cell(p.Station, guard: false), AirplayReport.Cell(p.Id, guard: false), AirplayReport.Cell(p.Track, guard: false),
        AirplayReport.Cell(p.Title), AirplayReport.Cell(p.Artist), AirplayReport.Cell(p.Isrc),
        AirplayReport.Time(p.Start), AirplayReport.Time(p.End), (p.End - p.Start).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),
        p.Confidence.ToString("0.###", CultureInfo.InvariantCulture), p.Speed.ToString("0.####", CultureInfo.InvariantCulture), p.Status) + "\r\n";
}
