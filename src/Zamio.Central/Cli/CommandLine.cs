using Zamio.Shared.Audio;

namespace Zamio.Central.Cli;

/// <summary>Operator verbs. Stdout carries only JSON; messages go to stderr; failures exit non-zero.</summary>
public static class CommandLine
{
    private static readonly HashSet<string> Verbs = new(StringComparer.Ordinal) { "catalog", "scan", "identify", "stations", "report", "plays", "rematch", "help", "--help", "-h" };

    public static bool Handles(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <param name="args">The verb and its arguments.</param>
    /// <param name="configuration">Where a shared deployment is configured (default: environment and appsettings.json).</param>
    public static int Run(string[] args, IConfiguration? configuration = null)
    {
        try
        {
            var rest = args.Skip(1).ToList();
            return args[0] switch
            {
                "catalog" => CatalogCommand.Run(rest, configuration),
                "scan" => ScanCommand.Run(rest),
                "identify" => IdentifyCommand.Run(rest),
                "stations" => StationsCommand.Run(rest, configuration),
                "report" => ReportCommand.Run(rest, configuration),
                "plays" => PlaysCommand.Run(rest, configuration),
                "rematch" => RematchCommand.Run(rest, configuration),
                _ => Help(),
            };
        }
        catch (CliUsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is AudioFormatException or IOException or UnauthorizedAccessException or FormatException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static int Help()
    {
        Console.Error.WriteLine("""
            usage: zamio-central [VERB] [--data-dir DIR]
              serve                      run the ingest service and HTTP API (default) [--urls URL] [--mqtt-port PORT]
              catalog add PATH...        fingerprint files or folders into the catalogue [--metadata CSV]
              catalog list               list catalogue tracks as JSON lines
              catalog remove ID...       remove tracks
              catalog describe CSV...    set title, artist and ISRC of catalogued tracks (no re-fingerprinting)
              catalog overlaps           entries holding another entry's recording, as JSON lines [--speed-search on|off]
              scan RECORDING             print one JSON line per play found in a recording [--speed-search on|off]
              identify CLIP...           print one JSON line per clip with its best match or null [--speed-search on|off]
              stations add ID            create a station; prints {"station","key"} (the key is shown once)
              stations list              list stations as JSON lines
              stations remove ID         revoke a station (its plays stay)
              report --from T --to T     airplay per station and track of the plays begun in [from, to) [--station ID] [--csv]
              plays --from T --to T      the airplay log: every play overlapping [from, to), as JSON lines [--station ID] [--csv]
              rematch [TRACK...] --from T --to T
                                         match archived fingerprints again (a track added since it aired) [--station ID:
                                         one station, else all] [--archive DIR[:DIR...]] [--write: store the new plays]
            """);
        return 0;
    }
}
