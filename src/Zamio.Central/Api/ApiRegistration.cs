using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Metrics;

namespace Zamio.Central.Api;

/// <summary>Services of the HTTP API beyond the basics: uploads, packets fallback, admin catalogue, metrics.</summary>
public static class ApiRegistration
{
    public static IServiceCollection AddZamioApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CentralApiOptions>()
            .Bind(configuration.GetSection(CentralApiOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddCentralMetrics();
        services.AddSingleton<StationTokenAuth>();
        services.AddSingleton<AdminAuth>();
        services.AddSingleton<ReadAccess>();
        services.AddIdentifyLimiter();
        services.AddSingleton<LocalUploadRateLimiter>();
        // With Redis (registered by the storage setup) every instance draws on the same buckets.
        services.AddSingleton<IUploadRateLimiter>(sp => sp.GetService<RedisConnection>() is { } redis
            ? ActivatorUtilities.CreateInstance<RedisUploadRateLimiter>(sp, redis)
            : sp.GetRequiredService<LocalUploadRateLimiter>());
        // Upload results live beside the plays: PostgreSQL when configured (shared by instances), else central.db.
        services.AddSingleton(sp => sp.GetService<Npgsql.NpgsqlDataSource>() is { } postgres
            ? UploadsStore.Postgres(postgres)
            : UploadsStore.Embedded(sp.GetService<CentralDatabase>() ?? CentralDatabase.Open(sp.GetRequiredService<IOptions<ServeOptions>>().Value.DataDirectory)));
        services.AddSingleton<UploadsProcessor>();
        services.AddExternalBroker(configuration);
        return services;
    }
}
