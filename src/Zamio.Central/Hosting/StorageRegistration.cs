using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;

namespace Zamio.Central.Hosting;

/// <summary>
/// Chooses the storage backends from configuration: <c>ConnectionStrings:Postgres</c> puts stations, plays and the
/// catalogue in PostgreSQL (migrations applied at start), otherwise the embedded SQLite files under the data
/// directory; <c>ConnectionStrings:Redis</c> adds the shared index cache, catalogue notifications and rate limits,
/// otherwise they stay in process.
/// </summary>
public static class StorageRegistration
{
    public static IServiceCollection AddCentralStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        var postgres = configuration.GetConnectionString(StorageOptions.PostgresConnectionName);
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
            services.AddHostedService<PostgresMigrator>();
            services.AddSingleton<IStationStore, PostgresStationStore>();
            services.AddSingleton<IPlayStore, PostgresPlayStore>();
            services.AddSingleton<ICatalogStore, PostgresCatalogStore>();
        }
        else
        {
            services.AddSingleton(sp => CentralDatabase.Open(sp.GetRequiredService<IOptions<ServeOptions>>().Value.DataDirectory));
            services.AddSingleton<IStationStore, SqliteStationStore>();
            services.AddSingleton<IPlayStore, SqlitePlayStore>();
            services.AddSingleton<ICatalogStore>(sp => new SqliteCatalogRepository(sp.GetRequiredService<IOptions<ServeOptions>>().Value.DataDirectory));
            services.AddHostedService<EmbeddedCatalogWatcher>();
        }

        services.AddSingleton<LocalRateLimiter>();
        var redis = configuration.GetConnectionString(RedisOptions.ConnectionName);
        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.AddSingleton(sp => new RedisConnection(redis, sp.GetRequiredService<IOptions<RedisOptions>>().Value, sp.GetRequiredService<ILogger<RedisConnection>>()));
            services.AddSingleton<CatalogCache>();
            services.AddSingleton<IndexSnapshotStore>();
            services.AddSingleton<ICatalogChangeFeed, RedisCatalogChangeFeed>();
            services.AddSingleton<IDescriptionChanges, RedisDescriptionChanges>();
            services.AddSingleton<RedisRateLimiter>();
            services.AddSingleton<IStationRateLimiter>(sp => sp.GetRequiredService<RedisRateLimiter>());
        }
        else
        {
            services.AddSingleton<ICatalogChangeFeed, InProcessCatalogChangeFeed>();
            services.AddSingleton<IDescriptionChanges, InProcessDescriptionChanges>();
            services.AddSingleton<IStationRateLimiter>(sp => sp.GetRequiredService<LocalRateLimiter>());
        }

        services.AddSingleton<CatalogManager>();
        services.AddSingleton<DependencyHealth>();
        return services;
    }
}
