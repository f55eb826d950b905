using Microsoft.Extensions.Logging.Console;
using Npgsql;
using Zamio.Central.Hosting;
using Zamio.Central.Storage;

namespace Zamio.Central.Cli;

/// <summary>
/// A deployment on PostgreSQL (<c>ConnectionStrings:Postgres</c> from the environment or <c>appsettings.json</c>, as
/// for <c>serve</c>), opened for an operator verb: its storage services, with the schema migrated. The verbs that
/// change shared state (catalogue, stations) act there instead of on the embedded files under <c>--data-dir</c>.
/// </summary>
internal sealed class SharedDeployment : IDisposable
{
    private SharedDeployment(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    /// <summary>Environment variables over <c>appsettings.json</c> in the working directory.</summary>
    public static IConfiguration DefaultConfiguration() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>
    /// <see cref="Open(IConfiguration)"/> for a verb, saying so when the <c>--data-dir</c> it was given goes unused.
    /// </summary>
    public static SharedDeployment? Open(IConfiguration? configuration, CliArguments cli)
    {
        var shared = Open(configuration ?? DefaultConfiguration());
        if (shared is not null && cli.Option("--data-dir") is not null)
        {
            Console.Error.WriteLine($"note: ConnectionStrings:{StorageOptions.PostgresConnectionName} is set, so this acts on that PostgreSQL deployment; --data-dir is not used");
        }

        return shared;
    }

    /// <summary>The shared deployment, migrated; null when no PostgreSQL is configured (the embedded files apply).</summary>
    public static SharedDeployment? Open(IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(StorageOptions.PostgresConnectionName)))
        {
            return null;
        }

        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddSimpleConsole(console => console.SingleLine = true)
                // Stdout carries only the verbs' JSON.
                .Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddCentralStorage(configuration)
            .BuildServiceProvider();
        try
        {
            var logger = services.GetRequiredService<ILogger<SharedDeployment>>();
            PostgresMigrations.ApplyAsync(services.GetRequiredService<NpgsqlDataSource>(), logger, CancellationToken.None).GetAwaiter().GetResult();
            return new SharedDeployment(services);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            services.Dispose();
            throw new IOException($"PostgreSQL ({StorageOptions.PostgresConnectionName} connection string) is unreachable: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            // Npgsql refuses a malformed connection string (an unknown keyword, a bad value) when the source is built.
            services.Dispose();
            throw new CliUsageException($"ConnectionStrings:{StorageOptions.PostgresConnectionName} is not a valid connection string: {ex.Message}");
        }
    }

    public void Dispose() => Services.Dispose();
}
