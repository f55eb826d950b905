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
        var verb = cli.Positional.Count > 0 ? cli.Positional[0] : throw new CliUsageException("stations needs a sub-command: add ID | list | remove ID");
        var station = verb switch
        {
            "add" => cli.Positional.Count != 2 ? throw new CliUsageException("stations add needs one station id")
                : StationIds.RegistrationError(cli.Positional[1]) is { } error ? throw new CliUsageException($"stations add: {error}")
                : cli.Positional[1],
            "remove" => cli.Positional.Count == 2 ? cli.Positional[1] : throw new CliUsageException("stations remove needs one station id"),
            "list" => null,
            _ => throw new CliUsageException($"unknown stations sub-command '{verb}'"),
        };

        using var shared = SharedDeployment.Open(configuration, cli);
        if (shared is null && verb != "add")
        {
            DataDirectories.RequireExisting(cli.DataDirectory);
        }

        var store = shared is null
            ? new StationStore(CentralDatabase.Open(cli.DataDirectory), TimeProvider.System)
            : new StationStore(shared.Services.GetRequiredService<IStationStore>(), TimeProvider.System);
        switch (verb)
        {
            case "add":
                Console.WriteLine(JsonSerializer.Serialize(new { station, key = store.Add(station!) }));
                return 0;
            case "list":
                foreach (var id in store.List())
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { station = id }));
                }

                return 0;
            default:
                if (!store.Remove(station!))
                {
                    Console.Error.WriteLine($"error: no station '{station}'");
                    return 1;
                }

                Console.WriteLine(JsonSerializer.Serialize(new { station, removed = true }));
                return 0;
        }
    }
}
