using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Zamio.Central.Metrics;
using Zamio.Central.Stations;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

/// <summary>
/// Ingest through an external broker (Mosquitto, EMQX, HiveMQ): central is an MQTT client subscribed, QoS 1, to
/// <see cref="Topics.SharedFingerprints"/>, so the broker spreads the stations' packets over every central instance.
/// <para>
/// Brokers share per message, not per station (Mosquitto round-robins), but a station's stream must be matched in one
/// place, in order. So every station has one <b>owner</b> among the live instances (rendezvous hashing over the
/// members announced on <c>zamio/v1/central/instances/{id}</c>, retained, cleared by the will and expiring); an
/// instance that receives another owner's packet forwards it to <c>zamio/v1/central/forward/{owner}/{station}</c>,
/// and the owner's <see cref="ExternalBrokerSequencer"/> restores sequence order before the shared
/// <see cref="IngestQueue"/>. Plays therefore come from one matcher per station and are not duplicated.
/// </para>
/// <para>
/// Callbacks only parse the topic and enqueue; forwarding, decoding and publishing run on tasks of their own.
/// Rejections are published every <see cref="ExternalBrokerOptions.StatusIntervalSeconds"/> to
/// <c>zamio/v1/stations/{id}/status/central</c> as JSON
/// <c>{"instance","at","accepted","rejected","duplicates","drops":{reason:count},"lastRejection":{"reason","detail","at"}}</c>
/// (totals since this instance started, and the latest refusal) for stations whose rejections or drops changed.
/// </para>
/// </summary>
public sealed partial class ExternalBrokerIngest : BackgroundService
{
    public const string CentralRoot = "zamio/v1/central";
    public const string PresenceRoot = CentralRoot + "/instances";
    public const string ForwardRoot = CentralRoot + "/forward";
    public const string ProbeRoot = CentralRoot + "/probe";

    private static readonly TimeSpan PresenceInterval = TimeSpan.FromSeconds(5);
    // The connection loop's beat: the delivery probe is checked and sent every beat, deliveries counted for the stall
    // watch every second, presence re-announced every five seconds.
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StallWatchInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DisconnectPatience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PresenceExpiry = TimeSpan.FromSeconds(20);

    // An instance without a fixed client id keeps its session across reconnects (not restarts), so what the broker
    // held for it during a reconnect is delivered, not lost. Short, because after a crash Mosquitto goes on handing
    // that session its share of the shared subscription until it expires (checked: 5 of 10 messages), and a restart
    // under a new id never collects it. A fixed client id resumes the session after a restart instead.
    private const uint ReconnectSessionSeconds = 10;
    private const uint NamedSessionSeconds = 3600;

    // Packets waiting in the ingest queue below which this instance counts as keeping up (for the stall watch).
    private const long KeepingUpDepth = 16;

    private readonly ExternalBrokerOptions _options;
    private readonly IngestQueue _queue;
    private readonly StationActivity _activity;
    private readonly CentralMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ExternalBrokerIngest> _logger;
    private readonly IMqttClient _client;
    // The broker never has more than ReceiveMaximum fingerprints unacknowledged with us, and those are acknowledged
    // only once the ingest queue took them, so the inbox cannot fill: the client's receive loop never waits (it
    // must keep answering keep-alives) and an overloaded instance leaves the backlog with the broker, not in memory.
    private const ushort ReceiveMaximum = 8192;

    // The client sets its socket's buffers to this size (turning off the kernel's autotuning), 8 KiB unless told. At
    // 2,000 stations the broker sends us 2-3 MB a second: through 8 KiB the window kept closing, segments were dropped at
    // our socket and the broker's retransmission backoff stopped delivery for seconds at a time. 4 MiB holds a few
    // seconds of a large fleet; the kernel caps it at net.core.rmem_max / wmem_max (raise those on a busy host).
    internal const int SocketBufferBytes = 4 << 20;
    private readonly Channel<Routed> _inbox = Channel.CreateBounded<Routed>(new BoundedChannelOptions(ReceiveMaximum + 1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Dictionary<byte[], Delivery> _unacknowledged = new(ReferenceEqualityComparer.Instance);

    // Counts connections, so a delivery is acknowledged only on the connection that brought it.
    private int _connection;
    private readonly Channel<MqttApplicationMessage> _outbox = Channel.CreateUnbounded<MqttApplicationMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, long> _members = new(StringComparer.Ordinal);
    private readonly StationReports _reports;
    private readonly string _forwardPrefix;
    private readonly Lock _gate = new();
    private readonly DeliveryStallWatch _stallWatch = new();
    private readonly DeliveryProbe _probe;
    private readonly string _probeTopic;
    private bool _sessionStarted;
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _receivedShared;
    private long _receivedForwarded;
    private long _forwardedOut;
    private CancellationToken _stopping;

    public ExternalBrokerIngest(
        IOptions<ExternalBrokerOptions> options,
        IngestQueue queue,
        StationActivity activity,
        CentralMetrics metrics,
        TimeProvider time,
        ILogger<ExternalBrokerIngest> logger)
    {
        _options = options.Value;
        _queue = queue;
        _activity = activity;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        InstanceId = _options.ClientId ?? $"zamio-central-{Sanitize(Environment.MachineName)}-{Guid.NewGuid().ToString("N")[..8]}";
        _forwardPrefix = $"{ForwardRoot}/{InstanceId}/";
        _probeTopic = $"{ProbeRoot}/{InstanceId}";
        _probe = new DeliveryProbe(time);
        _reports = new StationReports(activity, InstanceId, time);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += _ =>
        {
            lock (_gate)
            {
                _disconnected.TrySetResult();
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>This instance's client id, also its member id and forward address.</summary>
    public string InstanceId { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Live central instances known to this one (itself included).</summary>
    public IReadOnlyCollection<string> Members => LiveMembers();

    /// <summary>Packets received through the shared subscription.</summary>
    public long ReceivedShared => Interlocked.Read(ref _receivedShared);

    /// <summary>Packets another instance forwarded to this one.</summary>
    public long ReceivedForwarded => Interlocked.Read(ref _receivedForwarded);

    /// <summary>Packets this instance forwarded to their station's owner.</summary>
    public long ForwardedOut => Interlocked.Read(ref _forwardedOut);

    /// <summary>The live instance that matches <paramref name="station"/> (highest rendezvous score).</summary>
    public string OwnerOf(string station) => Owner(LiveMembers(), station);

    internal static string Owner(IReadOnlyCollection<string> members, string station)
    {
        string? best = null;
        ulong bestScore = 0;
        foreach (var member in members)
        {
            var score = Score(member, station);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(member, best) < 0))
            {
                best = member;
                bestScore = score;
            }
        }

        return best ?? throw new InvalidOperationException("no members");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await Task.Yield();
        var tasks = new[]
        {
            SuperviseAsync(stoppingToken),
            RouteAsync(stoppingToken),
            PublishAsync(stoppingToken),
            ReportAsync(stoppingToken),
        };
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_client.IsConnected)
        {
            try
            {
                // A clean disconnect suppresses the will: withdraw the presence ourselves.
                await _client.PublishAsync(Presence(online: false), cancellationToken).ConfigureAwait(false);
                if (_options.ClientId is null)
                {
                    // Nobody resumes this session: stop the broker handing it a share of the stations meanwhile.
                    await _client.UnsubscribeAsync(Topics.SharedFingerprints, cancellationToken).ConfigureAwait(false);
                }

                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                LogStopFailed(_logger, ex.Message);
            }
        }
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    private async Task SuperviseAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(_options.MaxReconnectDelaySeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            Task disconnected;
            var stalled = false;
            try
            {
                lock (_gate)
                {
                    if (_disconnected.Task.IsCompleted)
                    {
                        _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    disconnected = _disconnected.Task;
                }

                var resumed = await ConnectAsync(stoppingToken).ConfigureAwait(false);
                LogConnected(_logger, _options.Host!, _options.Port, InstanceId, resumed);
                delay = TimeSpan.FromSeconds(1);
                stalled = await WatchDeliveriesAsync(disconnected, stoppingToken).ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                LogDisconnected(_logger, _options.Host!, _options.Port);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogConnectFailed(_logger, _options.Host!, _options.Port, ex.Message, delay.TotalSeconds);
            }

            // A connection dropped for a stall is reconnected at once: the broker holds the fleet's packets meanwhile, and
            // the probe must come back once on the new connection before it can call another stall, so this cannot storm.
            if (stalled)
            {
                continue;
            }

            await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(max.Ticks, delay.Ticks * 2));
        }
    }

    /// <summary>
    /// Beats while connected: re-announces presence, probes delivery and watches its rate. Returns when the connection
    /// drops: true when this loop dropped it because the broker stopped delivering while this instance kept up.
    /// </summary>
    private async Task<bool> WatchDeliveriesAsync(Task disconnected, CancellationToken stoppingToken)
    {
        _stallWatch.Reset();
        _probe.Reset();
        using var beat = new PeriodicTimer(Beat, _time);
        var tick = beat.WaitForNextTickAsync(stoppingToken).AsTask();
        var beats = 0;
        while (await Task.WhenAny(disconnected, tick).ConfigureAwait(false) == tick && await tick.ConfigureAwait(false))
        {
            beats++;
            if (beats % (int)(PresenceInterval / Beat) == 0)
            {
                _outbox.Writer.TryWrite(Presence(online: true));
            }

            var keepingUp = _inbox.Reader.Count == 0 && _queue.Depth <= KeepingUpDepth;
            var stalled = false;
            if (_probe.Observe(keepingUp))
            {
                LogProbeHeld(_logger, _options.Host!, _options.Port, DeliveryProbe.Timeout.TotalSeconds);
                stalled = true;
            }
            else if (beats % (int)(StallWatchInterval / Beat) == 0 && _stallWatch.Observe(ReceivedShared + ReceivedForwarded, keepingUp))
            {
                LogDeliveryStalled(_logger, _options.Host!, _options.Port);
                stalled = true;
            }

            if (stalled)
            {
                _metrics.DeliveryStalled();
                await DropConnectionAsync(stoppingToken).ConfigureAwait(false);
                // The supervisor reconnects at once: this connection's disconnect must have been seen first, or it would be
                // taken for the new connection's. Unseen, it reconnects after its backoff instead.
                try
                {
                    await disconnected.WaitAsync(DisconnectPatience, _time, stoppingToken).ConfigureAwait(false);
                    return true;
                }
                catch (TimeoutException)
                {
                    LogDisconnectUnseen(_logger, _options.Host!, _options.Port, DisconnectPatience.TotalSeconds);
                    return false;
                }
            }

            if (_probe.Next() is { } sequence)
            {
                _outbox.Writer.TryWrite(new MqttApplicationMessageBuilder()
                    .WithTopic(_probeTopic)
                    .WithPayload(BitConverter.GetBytes(sequence))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build());
            }

            tick = beat.WaitForNextTickAsync(stoppingToken).AsTask();
        }

        return false;
    }

    /// <summary>
    /// Closes the connection and keeps the session: the supervisor reconnects to it after its backoff (at once when its
    /// own watch dropped the connection for a stall).
    /// </summary>
    internal Task DropConnectionAsync(CancellationToken cancellationToken) =>
        _client.DisconnectAsync(cancellationToken: cancellationToken);

    /// <summary>Connects and subscribes; true when the broker resumed this instance's session.</summary>
    private async Task<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        var named = _options.ClientId is not null;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(InstanceId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(!named && !_sessionStarted)
            .WithSessionExpiryInterval(named ? NamedSessionSeconds : ReconnectSessionSeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithReceiveMaximum(ReceiveMaximum)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(PresenceTopic(InstanceId))
            .WithWillPayload(Array.Empty<byte>())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder = builder.WithCredentials(_options.Username, _options.Password);
        }

        if (_options.UseTls)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls());
        }

        // Before connecting: a resumed session's deliveries can arrive before ConnectAsync returns.
        Interlocked.Increment(ref _connection);
        var options = builder.Build();
        var tcp = (MqttClientTcpOptions)options.ChannelOptions;
        tcp.BufferSize = SocketBufferBytes;
        var result = await _client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker refused the connection: {result.ResultCode}");
        }

        _sessionStarted = true;

        _members[InstanceId] = long.MaxValue;
        await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(PresenceRoot + "/+").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .WithTopicFilter(f => f.WithTopic(_forwardPrefix + "+").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                // QoS 1, so the probe takes the same path through the broker as the fingerprints.
                .WithTopicFilter(f => f.WithTopic(_probeTopic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                // Every instance answers for every station, so each reads all agents' (retained) status, not a share.
                .WithTopicFilter(f => f.WithTopic(Topics.AllStatus).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce))
                .Build(),
            cancellationToken).ConfigureAwait(false);
        await _client.PublishAsync(Presence(online: true), cancellationToken).ConfigureAwait(false);
        // Fingerprints last: by now this instance is a member and can route what arrives.
        await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(Topics.SharedFingerprints).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .Build(),
            cancellationToken).ConfigureAwait(false);
        return result.IsSessionPresent;
    }

    /// <summary>Broker callback: parse the topic, copy the payload, enqueue. Nothing else.</summary>
    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload;
        if (topic == _probeTopic)
        {
            if (payload.Length == sizeof(long))
            {
                _probe.Returned(BitConverter.ToInt64(payload.ToArray()));
            }

            return;
        }

        if (topic.StartsWith(PresenceRoot + "/", StringComparison.Ordinal))
        {
            var member = topic[(PresenceRoot.Length + 1)..];
            if (member != InstanceId)
            {
                if (payload.Length == 0)
                {
                    _members.TryRemove(member, out _);
                }
                else
                {
                    _members[member] = _time.GetTimestamp();
                }
            }

            return;
        }

        if (Topics.TryParse(topic, out var statusOf, out var kind) && kind == StationTopicKind.Status)
        {
            // An agent's heartbeat or last will: small, parsed here, nothing queued.
            if (StationStatus.TryParse(payload, out var status) && status.StationId == statusOf)
            {
                _activity.AgentStatus(statusOf, status);
            }

            return;
        }

        string? station;
        var forwarded = false;
        if (topic.StartsWith(_forwardPrefix, StringComparison.Ordinal))
        {
            station = topic[_forwardPrefix.Length..];
            forwarded = true;
            if (!StationIds.IsValid(station))
            {
                return;
            }
        }
        else
        {
            station = Topics.ParseFingerprintStation(topic);
            if (station is null)
            {
                return;
            }
        }

        if (payload.Length > FingerprintPacket.MaxPacketSize)
        {
            if (_activity.PacketRejected(station, RejectReasons.Oversized, RejectReasons.DescribeOversized(payload.Length)))
            {
                LogOversized(_logger, station, payload.Length);
            }

            _metrics.PacketRejected(RejectReasons.Oversized);
            return;
        }

        Interlocked.Increment(ref forwarded ? ref _receivedForwarded : ref _receivedShared);
        var deferred = e.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;
        e.AutoAcknowledge = !deferred;
        await _inbox.Writer.WriteAsync(
            new Routed(station, payload.ToArray(), forwarded, deferred ? new Delivery(e, Volatile.Read(ref _connection)) : null), _stopping).ConfigureAwait(false);
    }

    /// <summary>Forwards other owners' packets, puts this owner's back in order, feeds the ingest queue.</summary>
    private async Task RouteAsync(CancellationToken stoppingToken)
    {
        var discarded = new List<byte[]>();
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromMilliseconds(_options.ReorderWindowMilliseconds), _time)
        {
            Discarded = (_, payload) => discarded.Add(payload),
        };
        var release = new List<InboundPacket>();
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_options.ReorderWindowMilliseconds / 4, 10, 250));
        while (!stoppingToken.IsCancellationRequested)
        {
            if (sequencer.HasPending)
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wake.CancelAfter(tick);
                try
                {
                    await _inbox.Reader.WaitToReadAsync(wake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }
            else
            {
                await _inbox.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false);
            }

            var members = LiveMembers();
            while (_inbox.Reader.TryRead(out var item))
            {
                if (!item.Forwarded && members.Count > 1 && Owner(members, item.Station) is var owner && owner != InstanceId)
                {
                    Interlocked.Increment(ref _forwardedOut);
                    _outbox.Writer.TryWrite(new MqttApplicationMessageBuilder()
                        .WithTopic($"{ForwardRoot}/{owner}/{item.Station}")
                        .WithPayload(item.Payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build());
                    await AcknowledgeAsync(item.Delivery).ConfigureAwait(false);
                    continue;
                }

                if (item.Delivery is not null)
                {
                    _unacknowledged[item.Payload] = item.Delivery;
                }

                // The header alone gives the packet's place; the ingest loop decodes it once, when it matches it.
                var placed = FingerprintPacket.TryReadPlace(item.Payload, out var sequence, out var streamStart);
                sequencer.Add(item.Station, placed ? sequence : null, item.Payload, release, streamStart);
            }

            sequencer.Expire(release);
            foreach (var payload in discarded)
            {
                if (_unacknowledged.Remove(payload, out var delivery))
                {
                    await AcknowledgeAsync(delivery).ConfigureAwait(false);
                }
            }

            discarded.Clear();
            foreach (var packet in release)
            {
                await _queue.EnqueueAsync(packet, stoppingToken).ConfigureAwait(false);
                if (_unacknowledged.Remove(packet.Payload, out var delivery))
                {
                    await AcknowledgeAsync(delivery).ConfigureAwait(false);
                }
            }

            release.Clear();
        }
    }

    // Ingest owns the packet now. A delivery of an earlier connection is not acknowledged: the broker redelivers it on the
    // resumed session and the ingest loop drops it as a duplicate. The client sends an acknowledgement on whatever
    // connection it has at the time: with none, it threw out of this loop, so central took nothing from the broker after
    // the reconnect (test: ExternalBrokerTests). An acknowledgement that fails or hangs is given up for the same reason:
    // the broker redelivers.
    private async Task AcknowledgeAsync(Delivery? delivery)
    {
        if (delivery is null || delivery.Connection != Volatile.Read(ref _connection) || !_client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(AcknowledgeTimeout, _time);
        try
        {
            await delivery.Args.AcknowledgeAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || timeout.IsCancellationRequested)
        {
            LogAcknowledgeFailed(_logger, ex.Message);
        }
    }

    private static readonly TimeSpan AcknowledgeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Publishes forwards, presence and status; a forward that cannot be sent is matched here instead.</summary>
    private async Task PublishAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in _outbox.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (!_client.IsConnected)
                {
                    throw new InvalidOperationException("not connected");
                }

                await _client.PublishAsync(message, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (message.Topic.StartsWith(ForwardRoot + "/", StringComparison.Ordinal))
                {
                    var station = message.Topic[(message.Topic.LastIndexOf('/') + 1)..];
                    await _inbox.Writer.WriteAsync(new Routed(station, message.Payload.ToArray(), Forwarded: true), stoppingToken).ConfigureAwait(false);
                }

                LogPublishFailed(_logger, message.Topic, ex.Message);
            }
        }
    }

    private async Task ReportAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.StatusIntervalSeconds), _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!_client.IsConnected)
            {
                continue;
            }

            foreach (var (topic, json) in _reports.Due())
            {
                _outbox.Writer.TryWrite(new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(json)
                    .WithContentType("application/json")
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                    .Build());
            }
        }
    }

    public static string PresenceTopic(string instance) => $"{PresenceRoot}/{instance}";

    private MqttApplicationMessage Presence(bool online) => new MqttApplicationMessageBuilder()
        .WithTopic(PresenceTopic(InstanceId))
        .WithPayload(online ? Encoding.UTF8.GetBytes(InstanceId) : [])
        .WithRetainFlag()
        .WithMessageExpiryInterval(online ? (uint)PresenceExpiry.TotalSeconds : 0)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private List<string> LiveMembers()
    {
        var now = _time.GetTimestamp();
        var live = new List<string> { InstanceId };
        foreach (var (member, seen) in _members)
        {
            if (member != InstanceId && _time.GetElapsedTime(seen, now) < PresenceExpiry)
            {
                live.Add(member);
            }
        }

        return live;
    }

    private static ulong Score(string member, string station)
    {
        // FNV-1a over "member\nstation", then a 64-bit finaliser so similar ids spread well.
        var hash = 14695981039346656037UL;
        foreach (var c in member)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash = (hash ^ '\n') * 1099511628211UL;
        foreach (var c in station)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        return hash ^ (hash >> 33);
    }

    private static string Sanitize(string text) =>
        new([.. text.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')]);

    private sealed record Routed(string Station, byte[] Payload, bool Forwarded, Delivery? Delivery = null);

    private sealed record Delivery(MqttApplicationMessageReceivedEventArgs Args, int Connection);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Acknowledging a delivery failed ({Reason}); the broker sends it again")]
    private static partial void LogAcknowledgeFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to MQTT broker {Host}:{Port} as {Instance} (session resumed: {Resumed}); shared fingerprint subscription active")]
    private static partial void LogConnected(ILogger logger, string host, int port, string instance, bool resumed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} stopped delivering fingerprints while this instance kept up (three seconds under a third of the best second of the last half minute); reconnecting to the same session so the broker sends again what it holds")]
    private static partial void LogDeliveryStalled(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} held this instance's delivery probe for {Seconds:F0} s while it kept up; reconnecting to the same session so the broker sends again what it holds")]
    private static partial void LogProbeHeld(ILogger logger, string host, int port, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped the stalled connection to MQTT broker {Host}:{Port} but saw no disconnect within {Seconds:F0} s; reconnecting after the backoff")]
    private static partial void LogDisconnectUnseen(ILogger logger, string host, int port, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from MQTT broker {Host}:{Port}; reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} unavailable ({Reason}); retrying in {Seconds:F0} s")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing to {Topic} failed: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} sent a {Bytes}-byte payload; rejected (logged once per station and reason)")]
    private static partial void LogOversized(ILogger logger, string station, long bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Clean MQTT stop failed: {Reason}")]
    private static partial void LogStopFailed(ILogger logger, string reason);
}
