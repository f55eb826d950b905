using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests.Integration;

/// <summary>
/// A QoS 1 subscriber to one station's fingerprint topic, as central would be. With a persistent session the
/// broker queues packets for it while it is away (and across a broker restart, when the broker persists).
/// </summary>
internal sealed class PacketSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly List<FingerprintPacket> _packets = [];
    private readonly HashSet<ulong> _distinct = [];
    private readonly string _stationId;
    private readonly string _clientId = "zamio-test-subscriber-" + Guid.NewGuid().ToString("N")[..8];
    private readonly bool _persistent;
    private (ulong Count, TaskCompletionSource Signal)? _waiter;

    public PacketSubscriber(string stationId, bool persistent)
    {
        _stationId = stationId;
        _persistent = persistent;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var packet = FingerprintPacket.Decode(e.ApplicationMessage.Payload.ToArray());
            lock (_packets)
            {
                _packets.Add(packet);
                _distinct.Add(packet.Sequence);
                if (_waiter is { } w && (ulong)_distinct.Count >= w.Count)
                {
                    w.Signal.TrySetResult();
                }
            }

            PacketReceived?.Invoke(packet);
            return Task.CompletedTask;
        };
    }

    /// <summary>Raised on the client's thread after each packet (keep handlers cheap).</summary>
    public event Action<FingerprintPacket>? PacketReceived;

    /// <summary>Every packet in arrival order, redeliveries included.</summary>
    public List<FingerprintPacket> Packets
    {
        get
        {
            lock (_packets)
            {
                return [.. _packets];
            }
        }
    }

    public async Task ConnectAsync(string host, int port)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(_clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(!_persistent)
            .WithSessionExpiryInterval(_persistent ? 3600u : 0u)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        await _client.ConnectAsync(options);
        await _client.SubscribeAsync(Topics.Fingerprints(_stationId), MqttQualityOfServiceLevel.AtLeastOnce);
    }

    public Task DisconnectAsync() => _client.IsConnected ? _client.DisconnectAsync() : Task.CompletedTask;

    /// <summary>Completes once <paramref name="count"/> distinct sequence numbers have arrived.</summary>
    public Task WaitForDistinctAsync(ulong count, TimeSpan timeout)
    {
        lock (_packets)
        {
            if ((ulong)_distinct.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiter = (count, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return _waiter.Value.Signal.Task.WaitAsync(timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync();
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker is already gone.
        }

        _client.Dispose();
    }
}
