using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Zamio.Central.Ingest;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

/// <summary>The sweep against the embedded station file and a running embedded broker with a logged-in station.</summary>
public sealed class StationRevocationSweepTests : IAsyncLifetime
{
    private BrokerRig _rig = null!;
    private StationRevocationSweep _sweep = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _rig = await BrokerRig.StartAsync();
        _key = _rig.Stations.Add("joy-fm");
        _rig.Stations.Add("other-fm");
        _sweep = new StationRevocationSweep(_rig.Stations, _rig.Queue, _rig.Broker, _rig.Options, _rig.Time, NullLogger<StationRevocationSweep>.Instance);
    }

    public async Task DisposeAsync()
    {
        _sweep.Dispose();
        await _rig.DisposeAsync();
    }

    [Fact]
    public async Task CheckAsync_StationRemoved_DisconnectsItsClientAndQueuesTheEndOfItsSession()
    {
        using var client = await StationFeed.ConnectAsync(_rig.Options.Value.MqttPort, "joy-fm", _key);
        var disconnected = Disconnected(client);
        await _sweep.CheckAsync(CancellationToken.None);
        _rig.Stations.Remove("joy-fm");

        await _sweep.CheckAsync(CancellationToken.None);

        var reason = await disconnected.WaitAsync(IngestRig.Patience);
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, reason);
        var marker = Assert.Single(_rig.Queue.Drain());
        Assert.Equal(new InboundPacket("joy-fm", "joy-fm", marker.Payload, InboundKind.Revocation), marker);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await StationFeed.TryConnectAsync(_rig.Options.Value.MqttPort, "joy-fm", _key));
    }

    [Fact]
    public async Task CheckAsync_NewKey_DisconnectsTheOldLoginButKeepsTheSession()
    {
        using var client = await StationFeed.ConnectAsync(_rig.Options.Value.MqttPort, "joy-fm", _key);
        var disconnected = Disconnected(client);
        await _sweep.CheckAsync(CancellationToken.None);
        var newKey = _rig.Stations.Add("joy-fm");

        await _sweep.CheckAsync(CancellationToken.None);

        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, await disconnected.WaitAsync(IngestRig.Patience));
        Assert.Empty(_rig.Queue.Drain());
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(_rig.Options.Value.MqttPort, "joy-fm", newKey));
    }

    [Fact]
    public async Task CheckAsync_FirstReadAndUnchangedStations_DisconnectNothing()
    {
        using var client = await StationFeed.ConnectAsync(_rig.Options.Value.MqttPort, "joy-fm", _key);
        _rig.Stations.Remove("other-fm");

        // The first read is the baseline: a removal before it was already refused at login.
        await _sweep.CheckAsync(CancellationToken.None);
        await _sweep.CheckAsync(CancellationToken.None);

        Assert.True(client.IsConnected);
        Assert.Empty(_rig.Queue.Drain());
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
