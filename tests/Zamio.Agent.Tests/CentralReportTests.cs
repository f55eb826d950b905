using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zamio.Agent.Status;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>The agent hears why central refuses its packets from central's reports.</summary>
public sealed class CentralReportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly string ReportTopic = Topics.CentralStatus("test-fm");

    [Fact]
    public async Task Report_AfterConnectAndReconnect_SubscribedAndRefusalsShowInLogAndStatus()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 120);
        await using var broker = new TestBroker();
        await broker.StartAsync();
        var statusWithRefusals = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.StatusPublished += json =>
        {
            if (json.Contains("\"centralRejected\":5", StringComparison.Ordinal))
            {
                statusWithRefusals.TrySetResult(json);
            }
        };
        var log = new LogCapture();
        var settings = AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool"));
        settings["Agent:Pace"] = "realtime"; // still running while the test talks to it
        settings["Agent:StatusIntervalSeconds"] = "1";
        await using var agent = new AgentRunner(settings, b => b.Logging.AddProvider(log));
        await agent.StartAsync();

        await broker.SubscribedAsync(ReportTopic).WaitAsync(Patience);
        await broker.PublishAsync(ReportTopic, Report("embedded", 5, RejectReasons.ClockAhead, "stream start is more than 10 minutes ahead of central's clock"));

        var warning = await log.WaitForAsync((level, message) => level == LogLevel.Warning && message.Contains("Central embedded refused", StringComparison.Ordinal), Patience);
        Assert.Contains("refused 5 more packet(s) of this station: clock_ahead (stream start is more than 10 minutes ahead", warning, StringComparison.Ordinal);
        var status = StationStatus.TryParse(Encoding.UTF8.GetBytes(await statusWithRefusals.Task.WaitAsync(Patience)), out var parsed) ? parsed : null;
        Assert.Equal((5L, RejectReasons.ClockAhead, "embedded"), (status!.CentralRejected, status.CentralLastRejection?.Reason, status.CentralLastRejection?.Instance));

        // A broker restart is a new clean session: the agent subscribes again.
        await broker.StopAsync();
        await using var restarted = new TestBroker(port: broker.Port);
        await restarted.StartAsync();
        await restarted.SubscribedAsync(ReportTopic).WaitAsync(Patience);
        await restarted.PublishAsync(ReportTopic, Report("embedded", 7, RejectReasons.UnknownStation, "station 'test-fm' is not registered at central"));
        await log.WaitForAsync((level, message) => level == LogLevel.Warning && message.Contains("refused 2 more packet(s) of this station: unknown_station", StringComparison.Ordinal), Patience);
        Assert.Equal(7, agent.Services.GetRequiredService<CentralRejections>().Refused);
    }

    private static byte[] Report(string instance, long rejected, string reason, string detail)
    {
        var now = DateTimeOffset.UtcNow;
        return new CentralReport(instance, now, 10, rejected, 0, new Dictionary<string, long>())
        {
            LastRejection = new PacketRejection(reason, detail, now),
        }.ToUtf8();
    }
}
