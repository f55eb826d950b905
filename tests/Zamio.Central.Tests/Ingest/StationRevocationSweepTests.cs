using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

/// <summary>The sweep against the embedded station file and a running embedded broker with a logged-in station.</summary>
public sealed class StationRevocationSweepTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private IOptions<ServeOptions> _options = null!;
    private StationStore _stations = null!;
    private IngestQueue _queue = null!;
    private EmbeddedBroker _broker = null!;
    private StationRevocationSweep _sweep = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _options = Options.Create(new ServeOptions { IngestWorkers = 1, MqttPort = ServeFixture.FreePort() });
        _stations = new StationStore(CentralDatabase.Open(_dir.Combine("data")), _time);
        _key = _stations.Add("joy-fm");
        _stations.Add("other-fm");
        _queue = new IngestQueue(_options);
        _broker = new EmbeddedBroker(_options, _stations, new StationActivity(_time), _queue, _time, NullLogger<EmbeddedBroker>.Instance);
        await _broker.StartAsync(CancellationToken.None);
        _sweep = new StationRevocationSweep(_stations, _queue, _broker, _options, _time, NullLogger<StationRevocationSweep>.Instance);
    }

    public async Task DisposeAsync()
    {
        _sweep.Dispose();
        await _broker.StopAsync(CancellationToken.None);
        await _broker.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task CheckAsync_StationRemoved_DisconnectsItsClientAndQueuesTheEndOfItsSession()
    {
        using var client = await StationFeed.ConnectAsync(_options.Value.MqttPort, "joy-fm", _key);
        var disconnected = Disconnected(client);
        await _sweep.CheckAsync(CancellationToken.None);
        _stations.Remove("joy-fm");

        await _sweep.CheckAsync(CancellationToken.None);

        var reason = await disconnected.WaitAsync(IngestRig.Patience);
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, reason);
        Assert.True(_queue.Reader(0).TryRead(out var marker));
        Assert.Equal(new InboundPacket("joy-fm", "joy-fm", marker.Payload, InboundKind.Revocation), marker);
        Assert.False(_queue.Reader(0).TryRead(out _));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await StationFeed.TryConnectAsync(_options.Value.MqttPort, "joy-fm", _key));
    }

    [Fact]
    public async Task CheckAsync_NewKey_DisconnectsTheOldLoginButKeepsTheSession()
    {
        using var client = await StationFeed.ConnectAsync(_options.Value.MqttPort, "joy-fm", _key);
        var disconnected = Disconnected(client);
        await _sweep.CheckAsync(CancellationToken.None);
        var newKey = _stations.Add("joy-fm");

        await _sweep.CheckAsync(CancellationToken.None);

        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, await disconnected.WaitAsync(IngestRig.Patience));
        Assert.False(_queue.Reader(0).TryRead(out _));
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(_options.Value.MqttPort, "joy-fm", newKey));
    }

    [Fact]
    public async Task CheckAsync_FirstReadAndUnchangedStations_DisconnectNothing()
    {
        using var client = await StationFeed.ConnectAsync(_options.Value.MqttPort, "joy-fm", _key);
        _stations.Remove("other-fm");

        // The first read is the baseline: a removal before it was already refused at login.
        await _sweep.CheckAsync(CancellationToken.None);
        await _sweep.CheckAsync(CancellationToken.None);

        Assert.True(client.IsConnected);
        Assert.False(_queue.Reader(0).TryRead(out _));
        // A round trip through the broker after both checks: a disconnect they caused would have arrived first.
        Assert.True((await StationFeed.PublishAsync(client, Zamio.Shared.Wire.Topics.Status("joy-fm"), [1])).IsSuccess);
        Assert.True(client.IsConnected);
    }

    private static Task<MqttClientDisconnectReason> Disconnected(IMqttClient client)
    {
        var seen = new TaskCompletionSource<MqttClientDisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e =>
        {
            seen.TrySetResult(e.Reason);
            return Task.CompletedTask;
        };
        return seen.Task;
    }
}
