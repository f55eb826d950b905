using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Integration;

/// <summary>One central service instance's storage, catalogue and play services in a generic host (no broker or HTTP).</summary>
internal sealed class IntegrationHost : IAsyncDisposable
{
    private readonly IHost _host;

    private IntegrationHost(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    public T Get<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    public static async Task<IntegrationHost> StartAsync(string dataDirectory, IDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings)
        {
            ["Zamio:DataDirectory"] = dataDirectory,
            ["Zamio:Storage:RetryDelayMilliseconds"] = "20",
            ["Zamio:Storage:MaxRetryDelayMilliseconds"] = "200",
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services
            .AddServeCore(builder.Configuration)
            .AddCentralStorage(builder.Configuration)
            .AddStations()
            .AddCatalogIndex()
            .AddPlays();
        var host = builder.Build();
        await host.StartAsync();
        return new IntegrationHost(host);
    }

    /// <summary>Deterministic peaks for a synthetic track (about 20 per second, sorted by frame).</summary>
    public static TrackPeaks SyntheticPeaks(int seed, double seconds = 30)
    {
        var random = new Random(seed);
        var frames = FingerprintSettings.SecondsToFrame(seconds);
        var peaks = new List<Peak>();
        for (var frame = 0; frame < frames; frame++)
        {
            if (random.NextDouble() < 0.6)
            {
                peaks.Add(new Peak(frame, (ushort)random.Next(40, 1800)));
            }
        }

        return TrackPeaks.FromPeaks([.. peaks], frames);
    }

    /// <summary>Completes once <paramref name="condition"/> holds, checked now and after every index swap.</summary>
    public static Task WhenIndex(CatalogIndex index, Func<CatalogIndex, bool> condition)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        index.Swapped += _ =>
        {
            if (condition(index))
            {
                done.TrySetResult();
            }
        };
        if (condition(index))
        {
            done.TrySetResult();
        }

        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
