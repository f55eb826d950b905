using MQTTnet;

namespace Zamio.Agent.Mqtt;

/// <summary>
/// The agent's one MQTT client and its connection state. The connection service owns connecting; others only
/// publish while <see cref="IsConnected"/> and wait on <see cref="WaitConnectedAsync"/>.
/// </summary>
public sealed class MqttLink : IDisposable
{
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
    private long _downSince;

    public MqttLink(TimeProvider time)
    {
        _time = time;
        _downSince = time.GetTimestamp();
        Client = new MqttClientFactory().CreateMqttClient();

        // Only signal here: reconnecting is the connection loop's work, never the event handler's.
        Client.DisconnectedAsync += _ =>
        {
            MarkDisconnected();
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public bool IsConnected => Client.IsConnected;

    /// <summary>The broker's MQTT 5 receive maximum from the last CONNACK: at most this many QoS 1 publishes in flight.</summary>
    public int ServerReceiveMaximum { get; set; } = ushort.MaxValue;

    /// <summary>Why the last connection attempt failed, for status and tests.</summary>
    public string? LastError { get; set; }

    /// <summary>How long MQTT has been unusable (zero while connected).</summary>
    public TimeSpan DownFor
    {
        get
        {
            lock (_gate)
            {
                return IsConnected ? TimeSpan.Zero : _time.GetElapsedTime(_downSince);
            }
        }
    }

    public void MarkConnected()
    {
        lock (_gate)
        {
            LastError = null;

            // MQTTnet raises DisconnectedAsync on its own thread, and can do so before ConnectAsync returns: clearing
            // that signal now would leave the connection loop waiting for a disconnect that has already happened. The
            // client says it is down before it raises the event, so this check or the event's call sees the drop.
            if (!Client.IsConnected)
            {
                MarkDisconnected();
                return;
            }

            if (_disconnected.Task.IsCompleted)
            {
                _disconnected = NewSignal();
            }

            _connected.TrySetResult();
        }
    }

    public void MarkDisconnected()
    {
        lock (_gate)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
                _downSince = _time.GetTimestamp();
            }

            _disconnected.TrySetResult();
        }
    }

    /// <summary>Completes when connected, or after <paramref name="timeout"/>; returns whether connected.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            signal = _connected.Task;
        }

        try
        {
            await signal.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        return IsConnected;
    }

    public Task WaitDisconnectedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _disconnected.Task.WaitAsync(cancellationToken);
        }
    }

    public void Dispose() => Client.Dispose();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
