using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Exceptions;
using Zamio.Agent.Configuration;
using Zamio.Agent.Mqtt;

namespace Zamio.Agent.Status;

/// <summary>
/// Heartbeat: the retained status every interval while connected (the connection loop sends it on connect), and at
/// once when dead air starts or ends, so a station going off air shows within seconds.
/// </summary>
public sealed partial class StatusService(
    MqttLink link,
    StatusReporter status,
    AgentState state,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<StatusService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.StatusIntervalSeconds), time);
        try
        {
            // Each wait is kept until it completes: a new one per heartbeat would pile up inside the channel.
            var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            var change = state.DeadAirChanges.WaitToReadAsync(stoppingToken).AsTask();
            while (true)
            {
                if (await Task.WhenAny(tick, change).ConfigureAwait(false) == tick)
                {
                    if (!await tick.ConfigureAwait(false))
                    {
                        return;
                    }

                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }
                else
                {
                    await change.ConfigureAwait(false);
                    state.DeadAirChanges.TryRead(out _);
                    change = state.DeadAirChanges.WaitToReadAsync(stoppingToken).AsTask();
                }

                if (!link.IsConnected)
                {
                    continue;
                }

                try
                {
                    await link.Client.PublishAsync(MqttConnectionService.StatusMessage(settings.StationId, status.Online()), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A status report lost to a dropping link is sent again at the next interval. The client cancels what it
                    // still awaits when the link drops, so a cancellation that is not ours is such a loss too, not a stop.
                    LogFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Heartbeat not sent: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
