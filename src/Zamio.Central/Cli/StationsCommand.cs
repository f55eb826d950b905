using System.Text.Json;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Shared.Wire;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>stations add ID</c>: creates a station (or gives it a new key) and prints its credentials once; <c>stations list</c>;
/// <c>stations remove ID</c>: revokes a station, keeping its plays. On a <see cref="SharedDeployment"/> they act on
/// its PostgreSQL, where every instance reads the stations, otherwise on the embedded file under <c>--data-dir</c>.
/// </summary>
public static class StationsCommand
{
    /// <param name="args">The verb's arguments.</param>
    /// <param name="configuration">Where to find a shared deployment (default: environment and appsettings.json).</param>
    public static int Run(IReadOnlyList<string> args, IConfiguration? configuration = null)
    {
        var cli = CliArguments.Parse(args, new HashSet<string>(), new HashSet<string>());
        if (cli.Positional.Count == 0)
        {
            throw new CliUsageException("stations needs a sub-command: add ID | list | remove ID");
        }

        using var shared = SharedDeployment.Open(configuration ?? SharedDeployment.DefaultConfiguration());
        var store = shared is null
            ? new StationStore(CentralDatabase.Open(cli.DataDirectory), TimeProvider.System)
            : new StationStore(shared.Services.GetRequiredService<IStationStore>(), TimeProvider.System);
        switch (cli.Positional[0])
        {
            case "add":
                if (cli.Positional.Count != 2 || !StationIds.IsValid(cli.Positional[1]))
                {
                    throw new CliUsageException($"stations add needs one station id of 1..{StationIds.MaxLength} characters from [A-Za-z0-9_.-]");
                }

                var key = store.Add(cli.Positional[1]);
                Console.WriteLine(JsonSerializer.Serialize(new { station = cli.Positional[1], key }));
                return 0;
            case "list":
                foreach (var id in store.List())
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { station = id }));
                }

                return 0;
            case "remove":
                if (cli.Positional.Count != 2)
                {
                    throw new CliUsageException("stations remove needs one station id");
                }

                if (!store.Remove(cli.Positional[1]))
                {
                    Console.Error.WriteLine($"error: no station '{cli.Positional[1]}'");
                    return 1;
                }

                Console.WriteLine(JsonSerializer.Serialize(new { station = cli.Positional[1], removed = true }));
                return 0;
            default:
                throw new CliUsageException($"unknown stations sub-command '{cli.Positional[0]}'");
        }
    }
}
