using System.Buffers;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

/// <summary>
/// The embedded MQTT broker: stations log in with their id and key, may publish and subscribe only under their own
/// topics, and fingerprint payloads are copied into the <see cref="IngestQueue"/>. No matching happens in broker
/// callbacks. Every <see cref="ServeOptions.StatusIntervalSeconds"/> it tells stations whose packets were rejected or
/// dropped, on their <c>status/central</c> topic.
/// </summary>
public sealed partial class EmbeddedBroker(
    IOptions<ServeOptions> options,
    StationStore stations,
    StationActivity activity,
    IngestQueue queue,
    TimeProvider time,
    ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable
{
    // Client id of what central itself publishes into the broker; no station has it, as every station logs in by name.
    private const string CentralSender = "zamio-central";

    private readonly CancellationTokenSource _stopping = new();
    private MqttServer? _server;
    private Task _reporting = Task.CompletedTask;

    public bool IsRunning => _server?.IsStarted == true;

    public int Port => options.Value.MqttPort;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MqttPort == 0)
        {
            return;
        }

        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(options.Value.MqttPort)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(serverOptions);
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.ClientConnectedAsync += e =>
        {
            activity.Connected(e.UserName ?? e.ClientId);
            return Task.CompletedTask;
        };
        server.ClientDisconnectedAsync += e =>
        {
            if (e.UserName is not null)
            {
                activity.Disconnected(e.UserName);
            }

            return Task.CompletedTask;
        };
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            server.Dispose();
            throw new IOException($"MQTT port {options.Value.MqttPort} is already in use (another broker?); pass --mqtt-port PORT", ex);
        }

        _server = server;
        _reporting = ReportAsync(server, _stopping.Token);
        LogStarted(logger, options.Value.MqttPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reporting.ConfigureAwait(false);
        if (_server is not null)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ReportAsync(MqttServer server, CancellationToken stoppingToken)
    {
        var reports = new StationReports(activity, "embedded", time);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.StatusIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var (topic, json) in reports.Due())
                {
                    var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(json).WithContentType("application/json").Build();
                    await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = CentralSender }, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // A station may follow its own topics (central's reports on its status) and nothing of other stations'.
    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var own = e.UserName is { } station ? Topics.Root + "/" + station + "/" : null;
        if (own is null || !e.TopicFilter.Topic.StartsWith(own, StringComparison.Ordinal))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Disconnects every client logged in as <paramref name="station"/> (its key was revoked or replaced); a reconnect
    /// has to pass the login check again. Returns how many clients were disconnected.
    /// </summary>
    public async Task<int> DisconnectStationAsync(string station)
    {
        if (_server is not { IsStarted: true } server)
        {
            return 0;
        }

        var disconnected = 0;
        foreach (var client in await server.GetClientsAsync().ConfigureAwait(false))
        {
            if (client.Session?.Items[StationItem] is string loggedIn && loggedIn == station)
            {
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions
                {
                    ReasonCode = MqttDisconnectReasonCode.NotAuthorized,
                    ReasonString = "station credentials revoked",
                }).ConfigureAwait(false);
                disconnected++;
            }
        }

        return disconnected;
    }

    // Session item naming the station a client logged in as (the broker's client list carries no user name).
    private const string StationItem = "zamio.station";

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        // The user name is the station id; the client id is free (agents use one per process).
        bool verified;
        try
        {
            verified = stations.VerifyLogin(e.UserName, e.Password);
        }
        catch (Exception ex) when (StorageErrors.IsTransient(ex))
        {
            // A station the last read did not list, while the database is away: the agent keeps its spool and retries.
            e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            LogStoreUnavailable(logger, e.UserName ?? "(none)", ex.Message);
            return;
        }

        if (!verified)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            LogRefused(logger, e.UserName ?? "(none)", e.ClientId);
            return;
        }

        // A client id names one session, and a login with it takes that session over: with another station's (agents'
        // ids are predictable) one station could keep another's agent off the air.
        if (_server is { } server && await SessionOwnerAsync(server, e.ClientId).ConfigureAwait(false) is { } owner && owner != e.UserName)
        {
            e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
            LogClientIdTaken(logger, e.UserName!, e.ClientId, owner);
            return;
        }

        e.SessionItems[StationItem] = e.UserName;
    }

    private static async Task<string?> SessionOwnerAsync(MqttServer server, string clientId)
    {
        try
        {
            return (await server.GetSessionAsync(clientId).ConfigureAwait(false)).Items[StationItem] as string;
        }
        catch (InvalidOperationException)
        {
            return null; // no session by that id
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} could not be checked ({Reason}) and is not in the last read of the stations; its login is refused as unavailable")]
    private static partial void LogStoreUnavailable(ILogger logger, string station, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} tried to log in with client id {ClientId}, which is station {Owner}'s session; refused")]
    private static partial void LogClientIdTaken(ILogger logger, string station, string clientId, string owner);

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var client = e.UserName;
        var topic = e.ApplicationMessage.Topic;
        if (client is null && e.ClientId == CentralSender)
        {
            return; // central's own report
        }

        if (client is null || !Topics.TryParse(topic, out var topicStation, out var kind) || topicStation != client)
        {
            // Also covers the broker's own publishes (no user), which this service never makes.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            if (activity.PacketRejected(client ?? e.ClientId, RejectReasons.ForbiddenTopic, $"publishing to {topic} is not allowed"))
            {
                LogForbiddenTopic(logger, client ?? e.ClientId, topic);
            }

            return;
        }

        if (kind == StationTopicKind.Status)
        {
            // The agent's heartbeat: small and parsed here, nothing queued.
            if (StationStatus.TryParse(e.ApplicationMessage.Payload, out var status)
                && status.StationId == client)
            {
                activity.AgentStatus(client, status);
            }
            else if (activity.PacketRejected(client, RejectReasons.MalformedStatus, "a status that is not this station's own valid status JSON"))
            {
                LogBadStatus(logger, client);
            }

            return;
        }

        if (kind == StationTopicKind.Fingerprints)
        {
            var payload = e.ApplicationMessage.Payload;
            if (payload.Length > FingerprintPacket.MaxPacketSize)
            {
                e.ProcessPublish = false;
                e.Response.ReasonCode = MqttPubAckReasonCode.PayloadFormatInvalid;
                if (activity.PacketRejected(client, RejectReasons.Oversized, RejectReasons.DescribeOversized(payload.Length)))
                {
                    LogOversized(logger, client, payload.Length);
                }

                return;
            }

            await queue.EnqueueAsync(new InboundPacket(client, topicStation, payload.ToArray()), e.CancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} published a status that is not its own valid status JSON; ignored (logged once per station and reason)")]
    private static partial void LogBadStatus(ILogger logger, string station);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on port {Port}")]
    private static partial void LogStarted(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT login refused for user {User} (client {ClientId})")]
    private static partial void LogRefused(ILogger logger, string user, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} tried to publish to {Topic}; rejected (logged once per station and reason)")]
    private static partial void LogForbiddenTopic(ILogger logger, string station, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} sent a {Bytes}-byte payload; rejected (logged once per station and reason)")]
    private static partial void LogOversized(ILogger logger, string station, long bytes);
}
