using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Zamio.Agent.Configuration;
using Zamio.Agent.Hosting;
using Zamio.Agent.Status;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Mqtt;

/// <summary>
/// The supervised connection loop: connect (jittered backoff, forever), announce online, subscribe to central's
/// reports on this station's packets, wait for the link to drop, repeat. Refused credentials are logged as such and
/// back off like any other failure, so a wrong key never turns into a tight reconnect loop against the broker.
/// </summary>
public sealed partial class MqttConnectionService(
    MqttLink link,
    StatusReporter status,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<MqttConnectionService> logger) : BackgroundService
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var broker = settings.ParsedBroker;
        var retry = Backoff.Forever(
            ex => ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested,
            time,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(settings.MaxBackoffSeconds),
            (ex, delay, attempt) =>
            {
                link.LastError = Describe(ex, settings.StationId);
                LogConnectFailed(logger, broker.ToString(), link.LastError, attempt, delay.TotalSeconds);
            });

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await retry.ExecuteAsync(ct => new ValueTask(ConnectAsync(settings, broker, ct)), stoppingToken).ConfigureAwait(false);
                link.MarkConnected();
                LogConnected(logger, broker.ToString(), settings.StationId, link.ServerReceiveMaximum);
                await PublishOnlineAsync(stoppingToken).ConfigureAwait(false);
                using (var connected = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
                {
                    // Subscribing, tried again while it fails, runs beside the wait for the link to drop and ends with it.
                    var subscribing = SubscribeToReportsAsync(settings.StationId, connected.Token);
                    await link.WaitDisconnectedAsync(stoppingToken).ConfigureAwait(false);
                    await connected.CancelAsync().ConfigureAwait(false);
                    await subscribing.ConfigureAwait(false);
                }

                LogDisconnected(logger, broker.ToString());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (link.IsConnected)
        {
            try
            {
                // A clean disconnect suppresses the will, so say "offline" ourselves.
                await link.Client.PublishAsync(StatusMessage(options.Value.StationId, status.Offline()), cancellationToken).ConfigureAwait(false);
                await link.Client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException)
            {
                LogStopPublishFailed(logger, ex.Message);
            }
        }
    }

    internal static MqttApplicationMessage StatusMessage(string stationId, byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(Topics.Status(stationId))
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithRetainFlag()
        .Build();

    private async Task ConnectAsync(AgentOptions settings, BrokerAddress broker, CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId("zamio-agent-" + settings.StationId)
            .WithCredentials(settings.StationId, settings.Key)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(ConnectTimeout)
            .WithWillTopic(Topics.Status(settings.StationId))
            .WithWillPayload(status.Offline())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (broker.UseTls)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls());
        }

        MqttClientConnectResult result;
        try
        {
            result = await link.Client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        }
        catch (MqttConnectingFailedException ex) when (RefusalIn(ex.Message) is { } code)
        {
            throw new BrokerRefusedException(code);
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new BrokerRefusedException(result.ResultCode);
        }

        // MQTT 5: the broker's receive maximum bounds QoS 1 publishes in flight (0 means not sent: 65,535).
        link.ServerReceiveMaximum = result.ReceiveMaximum is > 0 and var receiveMaximum ? receiveMaximum : ushort.MaxValue;
    }

    private async Task PublishOnlineAsync(CancellationToken cancellationToken)
    {
        try
        {
            await link.Client.PublishAsync(StatusMessage(options.Value.StationId, status.Online()), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The link can drop right after CONNACK (MQTTnet then fails with other exceptions than its own too, a cancellation
            // of the pending publish among them): the supervised loop sees the disconnect next; a lost "online" is repeated
            // by the status interval.
            LogStatusFailed(logger, ex.Message);
        }
    }

    // A clean session forgets subscriptions, so every connect subscribes again. QoS 0: central sends its reports so.
    // A subscription that fails or is refused while the link stays up (a late SUBACK; an ACL fixed later) is tried again,
    // with backoff, while the link lasts: otherwise the agent would miss central's reports until its next reconnect.
    private async Task SubscribeToReportsAsync(string stationId, CancellationToken cancellationToken)
    {
        var topic = Topics.CentralStatus(stationId);
        var retry = Backoff.Forever(
            _ => link.IsConnected && !cancellationToken.IsCancellationRequested,
            time,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(options.Value.MaxBackoffSeconds),
            (ex, delay, attempt) =>
            {
                // Said once per connection: a refusal tried again every few seconds for days would drown the log.
                if (attempt == 1)
                {
                    LogReportsSubscribeFailed(logger, topic, ex.Message);
                }
            });
        try
        {
            await retry.ExecuteAsync(ct => new ValueTask(SubscribeOnceAsync(topic, ct)), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The link dropped (or the agent stops): the next connect subscribes again.
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Given up only once the link is down: the next connect subscribes again.
            LogReportsSubscribeFailed(logger, topic, ex.Message);
        }
    }

    private async Task SubscribeOnceAsync(string topic, CancellationToken cancellationToken)
    {
        var result = await link.Client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce))
                .Build(),
            cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException(
                    $"the broker refused it ({item.ResultCode}): its ACL must let a station read its own status/central");
            }
        }
    }

    private static string Describe(Exception ex, string stationId) => ex switch
    {
        BrokerRefusedException { IsCredentialProblem: true } refused
            => $"broker refused the credentials of station '{stationId}' ({refused.ResultCode}); check --station and --key",
        BrokerRefusedException refused => refused.Message,
        _ => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message,
    };

    // MQTTnet 5 reports a refused CONNECT as an exception whose message names the result code.
    private static MqttClientConnectResultCode? RefusalIn(string message)
    {
        foreach (var code in Enum.GetValues<MqttClientConnectResultCode>())
        {
            if (code != MqttClientConnectResultCode.Success && message.Contains(code.ToString(), StringComparison.Ordinal))
            {
                return code;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to {Broker} as station {StationId}; broker receive maximum {ReceiveMaximum}")]
    private static partial void LogConnected(ILogger logger, string broker, string stationId, int receiveMaximum);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from {Broker}; reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string broker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot connect to {Broker}: {Reason}; attempt {Attempt}, retrying in {DelaySeconds:0.0} s")]
    private static partial void LogConnectFailed(ILogger logger, string broker, string reason, int attempt, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status publish failed: {Reason}")]
    private static partial void LogStatusFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to central's reports on {Topic} failed: {Reason}; packets central refuses are not reported here until it succeeds (tried again while connected, and at every connect)")]
    private static partial void LogReportsSubscribeFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not say offline while stopping: {Reason}")]
    private static partial void LogStopPublishFailed(ILogger logger, string reason);
}
