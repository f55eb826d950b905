using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Zamio.Agent.Configuration;
using Zamio.Agent.Hosting;
using Zamio.Agent.Mqtt;
using Zamio.Agent.Spool;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Delivery;

/// <summary>
/// The delivery loop: the oldest spooled packet goes out over MQTT QoS 1 (or HTTP once MQTT has been down long
/// enough and a fallback is configured), and only a confirmation advances the spool cursor. Strictly in order;
/// backlog and live packets are the same queue, so a backlog simply drains as fast as the broker confirms.
/// </summary>
public sealed partial class DeliveryService(
    PacketSpool spool,
    MqttLink link,
    RunCompletion completion,
    HttpClient http,
    IHostApplicationLifetime lifetime,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<DeliveryService> logger) : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var topic = Topics.Fingerprints(settings.StationId);
        var fallback = string.IsNullOrEmpty(settings.HttpFallback)
            ? null
            : new HttpFallbackSender(http, settings);
        var fallbackAfter = TimeSpan.FromSeconds(settings.HttpFallbackAfterSeconds);
        var retry = Backoff.Forever(
            ex => ex is DeliveryException,
            time,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(settings.MaxBackoffSeconds),
            (ex, delay, attempt) => LogDeliveryFailed(logger, ex.Message, attempt, delay.TotalSeconds));
        completion.Completed += spool.Wake;

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!spool.TryPeek(out var record))
                {
                    if (completion.ProductionComplete)
                    {
                        LogAllDelivered(logger, spool.AckedSequence);
                        completion.MarkAllDelivered();
                        lifetime.StopApplication();
                        return;
                    }

                    await spool.WaitForDataAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await retry.ExecuteAsync(
                    ct => new ValueTask(DeliverAsync(record, topic, fallback, fallbackAfter, ct)),
                    stoppingToken).ConfigureAwait(false);
                spool.Acknowledge(record.Sequence);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            completion.Completed -= spool.Wake;
        }
    }

    private async Task DeliverAsync(SpoolRecord record, string topic, HttpFallbackSender? fallback, TimeSpan fallbackAfter, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (link.IsConnected)
            {
                await PublishAsync(record, topic, cancellationToken).ConfigureAwait(false);
                return;
            }

            var downFor = link.DownFor;
            if (fallback is not null && downFor >= fallbackAfter)
            {
                await fallback.SendAsync(record, cancellationToken).ConfigureAwait(false);
                return;
            }

            // Wake on reconnect, or when the fallback becomes due.
            var wait = fallback is null ? Timeout.InfiniteTimeSpan : fallbackAfter - downFor;
            await link.WaitConnectedAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PublishAsync(SpoolRecord record, string topic, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(record.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        MqttClientPublishResult result;
        try
        {
            result = await link.Client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException($"no PUBACK for packet {record.Sequence} within {PublishTimeout.TotalSeconds:0} s", ex);
        }
        catch (MqttCommunicationException ex)
        {
            throw new DeliveryException($"publish of packet {record.Sequence} failed: {ex.Message}", ex);
        }

        // MQTT 5 brokers say why they refused (e.g. NotAuthorized from an ACL); keep the packet and back off.
        if (!result.IsSuccess)
        {
            throw new DeliveryException($"broker refused packet {record.Sequence}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery failed: {Reason}; attempt {Attempt}, retrying in {DelaySeconds:0.0} s")]
    private static partial void LogDeliveryFailed(ILogger logger, string reason, int attempt, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Input finished and every packet delivered (last sequence {Sequence}); stopping")]
    private static partial void LogAllDelivered(ILogger logger, ulong sequence);
}
