using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zamio.Agent.Capture;
using Zamio.Agent.Configuration;
using Zamio.Agent.Delivery;
using Zamio.Agent.Mqtt;
using Zamio.Agent.Pipeline;
using Zamio.Agent.Sources;
using Zamio.Agent.Spool;
using Zamio.Agent.Status;

namespace Zamio.Agent.Hosting;

/// <summary>One registration per feature; <see cref="AddZamioAgent"/> wires them all.</summary>
public static class AgentServiceCollectionExtensions
{
    public static IServiceCollection AddZamioAgent(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddAgentOptions(configuration)
            .AddAudioCapture()
            .AddPacketSpool()
            .AddMqttDelivery()
            .AddStatusReporting();

    public static IServiceCollection AddAgentOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RunCompletion>();
        services.TryAddSingleton<AgentState>();
        services.TryAddSingleton<CentralRejections>();

        // One client for stream sources and the HTTP fallback; no overall timeout because streams never end.
        services.TryAddSingleton(_ => new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        });
        return services;
    }

    public static IServiceCollection AddAudioCapture(this IServiceCollection services)
    {
        services.TryAddSingleton<IAudioSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var spec = SourceSpec.TryParse(options.Source, out var parsed, out var error)
                ? parsed
                : throw new InvalidOperationException(error);
            return AudioSourceFactory.Create(spec, sp.GetRequiredService<HttpClient>());
        });
        services.TryAddSingleton<AudioChannel>();
        services.AddHostedService<CaptureService>();
        services.AddHostedService<FingerprintService>();
        return services;
    }

    public static IServiceCollection AddPacketSpool(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var settings = new SpoolSettings(options.ResolveSpoolDir(), options.SpoolMaxMegabytes * 1024L * 1024L);
            return new PacketSpool(settings, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PacketSpool>>());
        });
        return services;
    }

    public static IServiceCollection AddMqttDelivery(this IServiceCollection services)
    {
        services.TryAddSingleton<MqttLink>();
        services.AddHostedService<MqttConnectionService>();
        services.AddHostedService<CentralReportListener>();
        services.AddHostedService<DeliveryService>();
        return services;
    }

    public static IServiceCollection AddStatusReporting(this IServiceCollection services)
    {
        services.TryAddSingleton<StatusReporter>();
        services.AddHostedService<StatusService>();
        return services;
    }
}
