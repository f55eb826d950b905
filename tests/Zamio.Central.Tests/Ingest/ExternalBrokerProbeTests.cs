using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet.Server;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Metrics;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

/// <summary>The delivery probe against an in-process broker that can be told to hold this instance's probes.</summary>
public sealed class ExternalBrokerProbeTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _dir = new();
    private readonly int _port = ServeFixture.FreePort();
    private readonly TaskCompletionSource _probeReturned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MqttServer _server = null!;
    private int _connections;
    private int _probesSeen;
    private volatile bool _holdProbes;
    private CentralMetrics? _metrics;
    private ExternalBrokerIngest? _ingest;

    [Fact]
    public async Task Supervise_BrokerHoldsTheProbeWhileKeepingUp_ReconnectsToTheSession()
    {
        await StartIngestAsync();

        // One probe comes back (the connection proves itself), then the broker holds the rest.
        await _probeReturned.Task.WaitAsync(Patience);
        _holdProbes = true;
        await _reconnected.Task.WaitAsync(Patience);
        Assert.Equal(2, Volatile.Read(ref _connections));
    }

    [Fact]
    public async Task Supervise_ProbesDelivered_StaysConnected()
    {
        await StartIngestAsync();

        // Probes go out every quarter second while none is outstanding: twelve seen is three probe timeouts' worth.
        await _probeReturned.Task.WaitAsync(Patience);
        await WaitForProbesAsync(12);
        Assert.Equal(1, Volatile.Read(ref _connections));
    }

    public async Task InitializeAsync()
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(_port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.ClientConnectedAsync += _ =>
        {
            if (Interlocked.Increment(ref _connections) == 2)
            {
                _reconnected.TrySetResult();
            }

            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += e =>
        {
            if (e.ApplicationMessage.Topic.StartsWith(ExternalBrokerIngest.ProbeRoot + "/", StringComparison.Ordinal))
            {
                e.ProcessPublish = !_holdProbes;
                Interlocked.Increment(ref _probesSeen);
            }

            return Task.CompletedTask;
        };
        _server.ClientAcknowledgedPublishPacketAsync += e =>
        {
            if (e.PublishPacket.Topic.StartsWith(ExternalBrokerIngest.ProbeRoot + "/", StringComparison.Ordinal))
            {
                _probeReturned.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_ingest is not null)
        {
            await _ingest.StopAsync(CancellationToken.None);
            _ingest.Dispose();
        }

        _metrics?.Dispose();
        await _server.StopAsync();
        _server.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private async Task StartIngestAsync()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions()));
        var activity = new StationActivity(TimeProvider.System);
        var catalog = new CatalogIndex(new SqliteCatalogRepository(_dir.Combine("data")), TimeProvider.System, NullLogger<CatalogIndex>.Instance);
        _metrics = new CentralMetrics(catalog, activity, queue);
        _ingest = new ExternalBrokerIngest(
            Options.Create(new ExternalBrokerOptions { Host = "127.0.0.1", Port = _port }), queue, activity, _metrics, TimeProvider.System, NullLogger<ExternalBrokerIngest>.Instance);
        await _ingest.StartAsync(CancellationToken.None);
    }

    private async Task WaitForProbesAsync(int count)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<InterceptingPublishEventArgs, Task> handler = _ =>
        {
            if (Volatile.Read(ref _probesSeen) >= count)
            {
                seen.TrySetResult();
            }

            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += handler;
        try
        {
            await seen.Task.WaitAsync(Patience);
        }
        finally
        {
            _server.InterceptingPublishAsync -= handler;
        }
    }
}
