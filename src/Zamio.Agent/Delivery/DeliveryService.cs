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
using Zamio.Agent.Status;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Delivery;

/// <summary>
/// The delivery loop: spooled packets go out over MQTT QoS 1 with up to <see cref="AgentOptions.PublishWindow"/>
/// publishes in flight (or one at a time over HTTP once MQTT has been down long enough and a fallback is
/// configured). Only confirmations advance the spool cursor, and only contiguously in sequence order; a packet central
/// refuses for good over HTTP counts as confirmed (and as refused in <see cref="CentralRejections"/>). Backlog and
/// live packets are the same queue, so a backlog drains as fast as the window and the round trip allow.
/// </summary>
public sealed partial class DeliveryService(
    PacketSpool spool,
    MqttLink link,
    RunCompletion completion,
    CentralRejections rejections,
    HttpClient http,
    IHostApplicationLifetime lifetime,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<DeliveryService> logger) : BackgroundService
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);

    // How long to pause when a wait for the link returns at once without it being up, instead of asking again at once.
    private static readonly TimeSpan NotConnectedPause = TimeSpan.FromMilliseconds(200);

    // When this run's first packet was confirmed: how long central has had to report on it.
    private long? _firstDelivered;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        var topic = Topics.Fingerprints(settings.StationId);
        var fallback = string.IsNullOrEmpty(settings.HttpFallback)
            ? null
            : new HttpFallbackSender(http, settings, time);
        var fallbackAfter = TimeSpan.FromSeconds(settings.HttpFallbackAfterSeconds);
        var retry = Backoff.Forever(
            ex => ex is DeliveryException,
            time,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(settings.MaxBackoffSeconds),
            (ex, delay, attempt) => LogDeliveryFailed(logger, ex.Message, attempt, delay.TotalSeconds));
        completion.Completed += spool.Wake;
        var window = new PublishWindow(settings.PublishWindow);

        // Packets taken from the spool but not yet confirmed, to send again (oldest first) after a failure.
        var resend = new LinkedList<(SpoolRecord Record, bool Confirmed)>();

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // While MQTT is up, keep up to a window of publishes in flight.
                var limit = Math.Min(window.Capacity, link.ServerReceiveMaximum);
                while (link.IsConnected && window.Count < limit && TryNext(resend, out var next, out var confirmed))
                {
                    window.Add(next, confirmed ? Task.CompletedTask : PublishAsync(next, topic, stoppingToken));
                }

                if (window.Count > 0)
                {
                    try
                    {
                        var done = await window.CompleteOldestAsync(stoppingToken).ConfigureAwait(false);
                        spool.Acknowledge(done.Sequence);
                        _firstDelivered ??= time.GetTimestamp();
                    }
                    catch (DeliveryException ex)
                    {
                        LogWindowFailed(logger, ex.Message, window.Count);
                        var abandoned = await window.AbandonAsync(stoppingToken).ConfigureAwait(false);
                        for (var i = abandoned.Count - 1; i >= 0; i--)
                        {
                            resend.AddFirst(abandoned[i]);
                        }

                        // The oldest unconfirmed packet now goes the one-at-a-time way below, with backoff.
                        await DeliverOneAsync(resend, retry, topic, fallback, fallbackAfter, stoppingToken).ConfigureAwait(false);
                    }

                    continue;
                }

                if (resend.Count == 0)
                {
                    // Read before the spool: the fingerprint loop appends its last packets before it marks production
                    // complete, so finished and then empty means nothing more is coming.
                    var finished = completion.ProductionComplete;
                    if (!spool.TryTake(out var record))
                    {
                        if (finished)
                        {
                            LogAllDelivered(logger, spool.AckedSequence);
                            completion.MarkAllDelivered();
                            await WaitForCentralAsync(settings, stoppingToken).ConfigureAwait(false);
                            lifetime.StopApplication();
                            return;
                        }

                        await spool.WaitForDataAsync(stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    resend.AddLast((record, false));
                }

                // MQTT is down (or a packet just failed): one packet at a time, waiting for reconnect or the HTTP fallback.
                await DeliverOneAsync(resend, retry, topic, fallback, fallbackAfter, stoppingToken).ConfigureAwait(false);
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

    private bool TryNext(LinkedList<(SpoolRecord Record, bool Confirmed)> resend, out SpoolRecord record, out bool confirmed)
    {
        if (resend.First is { } first)
        {
            resend.RemoveFirst();
            (record, confirmed) = first.Value;
            return true;
        }

        confirmed = false;
        return spool.TryTake(out record);
    }

    private async Task DeliverOneAsync(
        LinkedList<(SpoolRecord Record, bool Confirmed)> resend,
        Polly.ResiliencePipeline retry,
        string topic,
        HttpFallbackSender? fallback,
        TimeSpan fallbackAfter,
        CancellationToken cancellationToken)
    {
        var (record, confirmed) = resend.First!.Value;
        if (!confirmed)
        {
            await retry.ExecuteAsync(
                ct => new ValueTask(DeliverAsync(record, topic, fallback, fallbackAfter, ct)),
                cancellationToken).ConfigureAwait(false);
        }

        resend.RemoveFirst();
        spool.Acknowledge(record.Sequence);
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
                rejections.Sent();
                if (await fallback.SendAsync(record, cancellationToken).ConfigureAwait(false) is { } refused)
                {
                    // Sending it again cannot succeed, and would hold up every packet behind it.
                    rejections.Refuse(CentralRejections.HttpFallbackInstance, refused);
                }

                return;
            }

            // Wake on reconnect, or when the fallback becomes due.
            var wait = fallback is null ? Timeout.InfiniteTimeSpan : fallbackAfter - downFor;
            var waiting = time.GetTimestamp();
            if (!await link.WaitConnectedAsync(wait, cancellationToken).ConfigureAwait(false)
                && time.GetElapsedTime(waiting) < NotConnectedPause)
            {
                // Still marked connected while the client has already dropped (MQTTnet signals the disconnect after
                // closing the socket, which can take seconds): this loop would otherwise spin a core until then.
                await Task.Delay(NotConnectedPause, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Central matches what it received and reports refusals every few seconds, so a short file run would otherwise
    /// exit before hearing that its packets were refused. Central refuses a stream for what holds from its first packet
    /// (algorithm version, unknown station, clock), so the run waits (over MQTT only: that is where reports come) until
    /// <see cref="AgentOptions.CentralReportWaitSeconds"/> have passed since its first packet was delivered, or a refusal
    /// is heard. A long run has had its answer by the end and exits at once; a short one that central accepted hears
    /// nothing (central reports only changes) and waits out the rest.
    /// </summary>
    private async Task WaitForCentralAsync(AgentOptions settings, CancellationToken cancellationToken)
    {
        var left = TimeSpan.FromSeconds(settings.CentralReportWaitSeconds)
            - (_firstDelivered is { } first ? time.GetElapsedTime(first) : TimeSpan.Zero);
        if (left <= TimeSpan.Zero || rejections.Refused > 0 || !link.IsConnected)
        {
            return;
        }

        LogWaitingForCentral(logger, Math.Round(left.TotalSeconds, 1));
        try
        {
            await rejections.FirstRefusal.WaitAsync(left, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
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
        rejections.Sent();
        MqttClientPublishResult result;
        try
        {
            result = await link.Client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException($"no PUBACK for packet {record.Sequence} within {PublishTimeout.TotalSeconds:0} s", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // MqttCommunicationException as a rule; the client can also fail otherwise when the link drops mid-call.
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery failed: {Reason}; {InFlight} packet(s) in flight are sent again in order")]
    private static partial void LogWindowFailed(ILogger logger, string reason, int inFlight);

    [LoggerMessage(Level = LogLevel.Information, Message = "Input finished and every packet delivered (last sequence {Sequence}); stopping")]
    private static partial void LogAllDelivered(ILogger logger, ulong sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting up to {Seconds} s more for central to report on this run's packets (--report-wait)")]
    private static partial void LogWaitingForCentral(ILogger logger, double seconds);
}
