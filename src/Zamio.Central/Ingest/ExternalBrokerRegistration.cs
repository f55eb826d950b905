using Zamio.Central.Hosting;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

/// <summary>Registers the external broker client when <c>Central:Mqtt:Host</c> is set (and then no embedded broker).</summary>
public static class ExternalBrokerRegistration
{
    public static IServiceCollection AddExternalBroker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExternalBrokerOptions>()
            .Bind(configuration.GetSection(ExternalBrokerOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.ClientId is null || (o.ClientId.Length > 0 && !o.ClientId.AsSpan().ContainsAny("/+#") && !o.ClientId.Any(char.IsControl)),
                "Central:Mqtt:ClientId must be one MQTT topic level (no '/', '+', '#')")
            // No station can be registered under such an id, so no station's login can take an instance's session over.
            .Validate(o => o.ClientId is null || StationIds.IsReserved(o.ClientId),
                $"Central:Mqtt:ClientId must start with '{StationIds.ReservedPrefix}'")
            .ValidateOnStart();
        var host = configuration[$"{ExternalBrokerOptions.Section}:{nameof(ExternalBrokerOptions.Host)}"];
        if (!string.IsNullOrWhiteSpace(host))
        {
            // The embedded broker stays off: stations talk to the external one.
            services.PostConfigure<ServeOptions>(o => o.MqttPort = 0);
            services.AddSingleton<ExternalBrokerIngest>();
            services.AddHostedService(sp => sp.GetRequiredService<ExternalBrokerIngest>());
        }

        return services;
    }
}
