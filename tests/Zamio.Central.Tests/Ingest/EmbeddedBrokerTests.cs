using MQTTnet;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

public sealed class EmbeddedBrokerTests : IAsyncLifetime
{
    private BrokerRig _rig = null!;

    public async Task InitializeAsync() => _rig = await BrokerRig.StartAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Connect_AnotherStationsClientId_IsRefusedAndTheAgentStaysConnected()
    {
        using var agent = await StationFeed.ConnectAsync(_rig.Port, "joy-fm", _rig.Stations.Add("joy-fm"), "zamio-agent-joy-fm");
        var otherKey = _rig.Stations.Add("other-fm");

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, await StationFeed.TryConnectAsync(_rig.Port, "other-fm", otherKey, "zamio-agent-joy-fm"));

        Assert.True(agent.IsConnected);
        // The station's own agent may take its session over (a restarted process), and the other station its own id.
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(_rig.Port, "other-fm", otherKey, "zamio-agent-other-fm"));
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(_rig.Port, "joy-fm", _rig.Stations.Add("joy-fm"), "zamio-agent-joy-fm"));
    }

    [Fact]
    public async Task Connect_DatabaseDown_StationsOfTheLastReadLogInAndOthersAreToldToComeBack()
    {
        var key = _rig.Stations.Add("joy-fm");
        _rig.Stations.KeyHashes(); // the periodic read
        var lateKey = _rig.Stations.Add("late-fm");
        _rig.Backend.Down = true;
        var queries = _rig.Backend.Queries;

        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(_rig.Port, "joy-fm", key));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await StationFeed.TryConnectAsync(_rig.Port, "joy-fm", lateKey));
        Assert.Equal(queries, _rig.Backend.Queries);
        Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, await StationFeed.TryConnectAsync(_rig.Port, "late-fm", lateKey));
    }
}
