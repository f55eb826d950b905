using Zamio.Central.Api;
using Zamio.Central.Catalog;
using Zamio.Central.Cli;
using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Central.Stations;

namespace Zamio.Central.Hosting;

/// <summary><c>serve</c>: builds the web host with the embedded broker, ingest loop and HTTP API.</summary>
public static class ServeHost
{
    private static readonly HashSet<string> ValueOptions = new(StringComparer.Ordinal) { "--urls", "--mqtt-port", "--admin-key" };

    /// <summary>Builds the host from <c>serve</c> arguments (the verb itself optional).</summary>
    public static WebApplication Build(IReadOnlyList<string> args) => Build(args, null);

    /// <summary>Builds the host; <paramref name="configuration"/> entries (tests, embedding) override the arguments.</summary>
    public static WebApplication Build(IReadOnlyList<string> args, IEnumerable<KeyValuePair<string, string?>>? configuration)
    {
        var rest = args.Count > 0 && args[0] == "serve" ? args.Skip(1) : args;
        var cli = CliArguments.Parse(rest, ValueOptions, new HashSet<string>());
        if (cli.Positional.Count > 0)
        {
            throw new CliUsageException(rest == args
                ? $"unknown verb '{cli.Positional[0]}' (catalog, scan, identify, stations, report, rematch, serve; help lists them)"
                : $"serve takes no positional arguments (got '{cli.Positional[0]}')");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        var settings = new Dictionary<string, string?>
        {
            [$"{ServeOptions.Section}:{nameof(ServeOptions.DataDirectory)}"] = cli.DataDirectory,
        };
        if (cli.Option("--urls") is { } urls)
        {
            settings[$"{ServeOptions.Section}:{nameof(ServeOptions.Urls)}"] = urls;
        }

        if (cli.Option("--mqtt-port") is { } port)
        {
            settings[$"{ServeOptions.Section}:{nameof(ServeOptions.MqttPort)}"] = port;
        }

        if (cli.Option("--admin-key") is { } adminKey)
        {
            settings[$"{CentralApiOptions.Section}:{nameof(CentralApiOptions.AdminKey)}"] = adminKey;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        // Logs written to a file or a terminal need the time; systemd's journal adds its own (its formatter is another).
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(console =>
        {
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        builder.WebHost.UseUrls(builder.Configuration[$"{ServeOptions.Section}:{nameof(ServeOptions.Urls)}"] ?? new ServeOptions().Urls);
        builder.Services
            .AddServeCore(builder.Configuration)
            .AddCentralStorage(builder.Configuration)
            .AddStations()
            .AddCatalogIndex()
            .AddPlays()
            .AddPacketArchive(builder.Configuration)
            .AddIngest()
            .AddZamioApi(builder.Configuration);

        var app = builder.Build();
        app.MapZamioApi();
        return app;
    }

    public static Task<int> RunAsync(IReadOnlyList<string> args) => RunAsync(args, null);

    // A setting out of range (environment, appsettings.json), found while building or starting: one line per problem and
    // exit 2, as for bad arguments, not a stack trace.
    private static async Task<int> ConfigurationErrorAsync(Microsoft.Extensions.Options.OptionsValidationException ex)
    {
        foreach (var failure in ex.Failures)
        {
            await Console.Error.WriteLineAsync($"error: configuration: {failure}").ConfigureAwait(false);
        }

        return 2;
    }

    /// <summary>Runs until stopped; <paramref name="configuration"/> as for <see cref="Build(IReadOnlyList{string}, IEnumerable{KeyValuePair{string, string?}}?)"/>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, IEnumerable<KeyValuePair<string, string?>>? configuration)
    {
        WebApplication app;
        try
        {
            app = Build(args, configuration);
        }
        catch (CliUsageException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            return await ConfigurationErrorAsync(ex).ConfigureAwait(false);
        }

        await using (app.ConfigureAwait(false))
        {
            // Taken before running: the host disposes its services when it stops.
            var loops = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
            var stopping = app.Lifetime.ApplicationStopping;
            try
            {
                await app.RunAsync().ConfigureAwait(false);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                return await ConfigurationErrorAsync(ex).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // Ports in use and unwritable data directories: one clear line, not a stack trace.
                await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (Npgsql.NpgsqlException ex)
            {
                // What waiting cannot mend (a wrong password, a missing database); an unreachable server is waited for.
                await Console.Error.WriteLineAsync($"error: PostgreSQL refused: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopped (Ctrl+C, the service manager) while still starting, e.g. waiting for PostgreSQL.
                return 0;
            }

            // A loop that failed stopped the host: a non-zero exit lets the service manager restart central.
            return loops.Any(s => s.ExecuteTask is { IsFaulted: true }) ? 1 : 0;
        }
    }
}
