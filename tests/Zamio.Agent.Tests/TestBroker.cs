using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>
/// In-process MQTTnet broker on a free loopback port that records fingerprint packets and status, tells of
/// subscriptions, and can publish as central would.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly ConcurrentQueue<FingerprintPacket> _packets = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _subscribed = new(StringComparer.Ordinal);
    private readonly string _key;
    private MqttServer? _server;
    private int _connectAttempts;
    private int _refusals;

    public TestBroker(string key = "secret", int? port = null)
    {
        _key = key;
        Port = port ?? FreePort();
    }

    public int Port { get; }

    /// <summary>Drops the connection on the first status message, before acknowledging it: a link lost as the agent announces itself.</summary>
    public bool DropOnFirstStatus { get; init; }

    private int _droppedStatus;

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public IReadOnlyCollection<FingerprintPacket> Packets => _packets;

    public int ConnectAttempts => Volatile.Read(ref _connectAttempts);

    public int Refusals => Volatile.Read(ref _refusals);

    public string? LastStatus { get; private set; }

    /// <summary>Raised after each received fingerprint packet (on the broker's thread; keep handlers cheap).</summary>
    public event Action<FingerprintPacket>? PacketReceived;

    public event Action? ConnectAttempted;

    /// <summary>Raised with each status payload an agent publishes (on the broker's thread).</summary>
    public event Action<string>? StatusPublished;

    /// <summary>Completes once at least <paramref name="count"/> fingerprint packets have arrived (now or before).</summary>
    public Task ReceivedAsync(int count)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        PacketReceived += _ =>
        {
            if (_packets.Count >= count)
            {
                reached.TrySetResult();
            }
        };
        if (_packets.Count >= count)
        {
            reached.TrySetResult();
        }

        return reached.Task;
    }

    /// <summary>Completes when a client subscribes to exactly <paramref name="topic"/> (now or before).</summary>
    /// <summary>Subscriptions refused (not authorised) before any is granted, as a broker whose ACL is fixed later.</summary>
    public int RefuseSubscriptions
    {
        init => _subscriptionsToRefuse = value;
    }

    private int _subscriptionsToRefuse;

    public Task SubscribedAsync(string topic) =>
        _subscribed.GetOrAdd(topic, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Publishes to every subscriber, as central's own report would reach the agent.</summary>
    public Task PublishAsync(string topic, byte[] payload)
    {
        var message = new MQTTnet.MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).Build();
        return _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = "central" });
    }

    public async Task StartAsync()
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .Build();
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.ValidatingConnectionAsync += e =>
        {
            Interlocked.Increment(ref _connectAttempts);
            if (e.Password != _key)
            {
                Interlocked.Increment(ref _refusals);
                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }

            ConnectAttempted?.Invoke();
            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += e =>
        {
            var payload = System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload);
            if (Topics.TryParse(e.ApplicationMessage.Topic, out _, out var kind))
            {
                if (kind == StationTopicKind.Fingerprints)
                {
                    var packet = FingerprintPacket.Decode(payload);
                    _packets.Enqueue(packet);
                    PacketReceived?.Invoke(packet);
                }
                else if (DropOnFirstStatus && Interlocked.Exchange(ref _droppedStatus, 1) == 0)
                {
                    e.ProcessPublish = false;
                    e.CloseConnection = true;
                }
                else
                {
                    LastStatus = System.Text.Encoding.UTF8.GetString(payload);
                    StatusPublished?.Invoke(LastStatus);
                }
            }

            return Task.CompletedTask;
        };
        _server.InterceptingSubscriptionAsync += e =>
        {
            if (Interlocked.Decrement(ref _subscriptionsToRefuse) >= 0)
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                return Task.CompletedTask;
            }

            _subscribed.GetOrAdd(e.TopicFilter.Topic, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Task.CompletedTask;
        };
        await _server.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            _server.Dispose();
            _server = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
