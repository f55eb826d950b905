using Microsoft.Extensions.Logging.Console;
using Npgsql;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Cli;

/// <summary>
/// The catalogue of a deployment on PostgreSQL (<c>ConnectionStrings:Postgres</c> from the environment or
/// <c>appsettings.json</c>, as for <c>serve</c>): the catalogue verbs change it there instead of the embedded store,
/// and with <c>ConnectionStrings:Redis</c> they also update the index cache and announce the change, so running
/// instances apply it within about a second, as for a change made through the HTTP API.
/// </summary>
internal sealed class SharedCatalog : ICatalogTarget
{
    private readonly ServiceProvider _services;
    private readonly CatalogManager _manager;

    private SharedCatalog(ServiceProvider services)
    {
        _services = services;
        _manager = services.GetRequiredService<CatalogManager>();
    }

    public void Add(CatalogTrack track, TrackPeaks peaks) => _manager.AddAsync(track, peaks, CancellationToken.None).GetAwaiter().GetResult();

    public bool Remove(string id) => _manager.RemoveAsync(id, CancellationToken.None).GetAwaiter().GetResult();

    public IReadOnlyList<CatalogTrack> List() => _manager.ListAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Environment variables over <c>appsettings.json</c> in the working directory.</summary>
    public static IConfiguration DefaultConfiguration() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build();

    /// <summary>The shared catalogue, migrated; null when no PostgreSQL is configured (the embedded store applies).</summary>
    public static SharedCatalog? Open(IConfiguration configuration)
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
            var logger = services.GetRequiredService<ILogger<SharedCatalog>>();
            PostgresMigrations.ApplyAsync(services.GetRequiredService<NpgsqlDataSource>(), logger, CancellationToken.None).GetAwaiter().GetResult();
            return new SharedCatalog(services);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            services.Dispose();
            throw new IOException($"PostgreSQL ({StorageOptions.PostgresConnectionName} connection string) is unreachable: {ex.Message}", ex);
        }
    }

    public void Dispose() => _services.Dispose();
}
