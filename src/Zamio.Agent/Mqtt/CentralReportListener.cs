using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using Zamio.Agent.Configuration;
using Zamio.Agent.Status;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Mqtt;

/// <summary>
/// Hears central's reports on this station's packets (<see cref="Topics.CentralStatus"/>; the connection loop
/// subscribes after every connect). The MQTT callback only parses and enqueues; this service's loop hands each report
/// to <see cref="CentralRejections"/>, which counts and logs.
/// </summary>
public sealed partial class CentralReportListener : BackgroundService
{
    // Reports carry totals, so when the loop falls behind the oldest can go: a later one from the same instance has
    // everything it had. A few per instance every 10 s never fill this.
    private readonly Channel<CentralReport> _reports = Channel.CreateBounded<CentralReport>(
        new BoundedChannelOptions(64) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    private readonly MqttLink _link;
    private readonly CentralRejections _rejections;
    private readonly ILogger<CentralReportListener> _logger;
    private readonly string _topic;
    private int _unreadable;

    public CentralReportListener(MqttLink link, CentralRejections rejections, IOptions<AgentOptions> options, ILogger<CentralReportListener> logger)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        _link = link;
        _rejections = rejections;
        _logger = logger;
        _topic = Topics.CentralStatus(options.Value.StationId);

        // Attached before the host starts any service, so no report can arrive unheard.
        link.Client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var report in _reports.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                _rejections.Report(report);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _link.Client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        base.Dispose();
    }

    /// <summary>MQTT callback: parse, enqueue, nothing else.</summary>
    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Topic != _topic)
        {
            return Task.CompletedTask;
        }

        if (CentralReport.TryParse(e.ApplicationMessage.Payload, out var report))
        {
            _reports.Writer.TryWrite(report);
        }
        else if (Interlocked.Exchange(ref _unreadable, 1) == 0)
        {
            LogUnreadable(_logger, _topic);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message on {Topic} is not a central report this agent can read; ignored (logged once)")]
    private static partial void LogUnreadable(ILogger logger, string topic);
}
