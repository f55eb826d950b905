using Microsoft.Extensions.Options;
using Zamio.Central.Archive;
using Zamio.Central.Catalog;
using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Central.Stations;
using Zamio.Central.Storage;

namespace Zamio.Central.Hosting;

/// <summary>One <c>Add...</c> per area, so <see cref="ServeHost"/> reads as the list of what runs.</summary>
public static class ServiceRegistration
{
    public static IServiceCollection AddServeCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ServeOptions>()
            .Bind(configuration.GetSection(ServeOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        return services;
    }

    public static IServiceCollection AddStations(this IServiceCollection services)
    {
        services.AddSingleton(sp => new StationStore(sp.GetRequiredService<IStationStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<StationActivity>();
        return services;
    }

    public static IServiceCollection AddCatalogIndex(this IServiceCollection services)
    {
        services.AddSingleton<CatalogIndex>();
        services.AddSingleton<TrackMetadataCache>();
        services.AddHostedService<CatalogIndexLoader>();
        services.AddSingleton<IndexSnapshotPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<IndexSnapshotPublisher>());
        return services;
    }

    /// <summary>
    /// The host stops services in the reverse order of registration, and a packet the broker has acknowledged is gone
    /// from its agent's spool: so the broker is registered after the loops it feeds (it stops taking packets before they
    /// stop), and this after <see cref="AddPlays"/> (the play writer flushes after the last packet was matched).
    /// </summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddSingleton<IngestQueue>();
        services.AddHostedService<IngestService>();
        services.AddHostedService<StationIdleSweep>();
        services.AddHostedService<StationRevocationSweep>();
        services.AddSingleton<EmbeddedBroker>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        return services;
    }

    /// <summary>
    /// The fingerprint archive (<see cref="ArchiveOptions"/>); registered before <see cref="AddIngest"/>, so it writes
    /// its last batch after the last packet was matched.
    /// </summary>
    public static IServiceCollection AddPacketArchive(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ArchiveOptions>()
            .Bind(configuration.GetSection(ArchiveOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PacketArchive>();
        services.AddHostedService(sp => sp.GetRequiredService<PacketArchive>());
        // Rematch jobs live beside the plays: PostgreSQL when configured (shared by instances), else central.db.
        services.AddSingleton(sp => sp.GetService<Npgsql.NpgsqlDataSource>() is { } postgres
            ? RematchJobStore.Postgres(postgres)
            : RematchJobStore.Embedded(sp.GetRequiredService<CentralDatabase>()));
        services.AddSingleton<RematchJobs>();
        services.AddHostedService(sp => sp.GetRequiredService<RematchJobs>());
        services.AddHostedService<RematchJobHeartbeat>();
        return services;
    }

    /// <summary>Registered before <see cref="AddIngest"/>: see there.</summary>
    public static IServiceCollection AddPlays(this IServiceCollection services)
    {
        services.AddSingleton(sp => new PlayJournal(sp.GetRequiredService<IOptions<ServeOptions>>().Value.DataDirectory, sp.GetRequiredService<ILogger<PlayJournal>>()));
        services.AddSingleton(sp => new PlayFeed(sp.GetService<Caching.RedisConnection>(), sp.GetRequiredService<ILogger<PlayFeed>>()));
        services.AddSingleton<PlayStore>();
        services.AddHostedService(sp => sp.GetRequiredService<PlayStore>());
        return services;
    }
}
