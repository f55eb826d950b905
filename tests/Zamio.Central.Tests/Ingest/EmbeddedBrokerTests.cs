using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

public sealed class EmbeddedBrokerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private IOptions<ServeOptions> _options = null!;
    private StationStore _stations = null!;
    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _options = Options.Create(new ServeOptions { IngestWorkers = 1, MqttPort = ServeFixture.FreePort() });
        _stations = new StationStore(CentralDatabase.Open(_dir.Combine("data")), _time);
        _broker = new EmbeddedBroker(_options, _stations, new StationActivity(_time), new IngestQueue(_options), _time, NullLogger<EmbeddedBroker>.Instance);
        await _broker.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _broker.StopAsync(CancellationToken.None);
        await _broker.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task Connect_AnotherStationsClientId_IsRefusedAndTheAgentStaysConnected()
    {
        var port = _options.Value.MqttPort;
        using var agent = await StationFeed.ConnectAsync(port, "joy-fm", _stations.Add("joy-fm"), "zamio-agent-joy-fm");
        var otherKey = _stations.Add("other-fm");

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await StationFeed.TryConnectAsync(port, "other-fm", otherKey, "zamio-agent-joy-fm"));

        Assert.True(agent.IsConnected);
        // The station's own agent may take its session over (a restarted process), and the other station its own id.
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(port, "other-fm", otherKey, "zamio-agent-other-fm"));
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(port, "joy-fm", _stations.Add("joy-fm"), "zamio-agent-joy-fm"));
    }
}
