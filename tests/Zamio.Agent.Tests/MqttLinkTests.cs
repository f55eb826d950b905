using Zamio.Agent.Mqtt;

namespace Zamio.Agent.Tests;

public sealed class MqttLinkTests
{
    [Fact]
    public async Task MarkConnected_ClientDroppedBeforeConnectReturned_StaysDisconnected()
    {
        using var link = new MqttLink(TimeProvider.System);

        // MQTTnet raised DisconnectedAsync before ConnectAsync returned; the connection loop then marks it connected.
        link.MarkDisconnected();
        link.MarkConnected();

        // The connection loop must see the drop (and reconnect) ...
        await link.WaitDisconnectedAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // ... and delivery must wait for the reconnect rather than be told "try again" at once.
        using var stop = new CancellationTokenSource();
        var connected = link.WaitConnectedAsync(Timeout.InfiniteTimeSpan, stop.Token);
        Assert.False(connected.IsCompleted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connected);
    }
}
