using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zamio.Agent.Hosting;
using Zamio.Agent.Status;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>The agent hears why central refuses its packets: over MQTT from central's reports, over HTTP from the answer.</summary>
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
        settings["Agent:PacketSeconds"] = "0.25";
        await using var agent = new AgentRunner(settings, b => b.Logging.AddProvider(log));
        await agent.StartAsync();

        // Central refuses only packets it received: the report comes once they are there.
        await broker.SubscribedAsync(ReportTopic).WaitAsync(Patience);
        await broker.ReceivedAsync(7).WaitAsync(Patience);
        await broker.PublishAsync(ReportTopic, Report("embedded", 5, RejectReasons.ClockAhead, "stream start is more than 10 minutes ahead of central's clock"));

        var warning = await log.WaitForAsync((level, message) => level == LogLevel.Warning && message.Contains("Central embedded refused", StringComparison.Ordinal), Patience);
        Assert.Contains("refused 5 more packet(s) of this station: clock_ahead (stream start is more than 10 minutes ahead", warning, StringComparison.Ordinal);
        var status = StationStatus.TryParse(Encoding.UTF8.GetBytes(await statusWithRefusals.Task.WaitAsync(Patience)), out var parsed) ? parsed : null;
        Assert.Equal((5L, RejectReasons.ClockAhead, "embedded"), (status!.CentralRejected, status.CentralLastRejection?.Reason, status.CentralLastRejection?.Instance));

        // A broker restart is a new clean session: the agent subscribes again.
        await broker.StopAsync();
        await using var restarted = new TestBroker(port: broker.Port);
        await restarted.StartAsync();
        try
        {
            await restarted.SubscribedAsync(ReportTopic).WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            // Seen once in a full run: the agent's own account of its reconnects is what tells why.
            Assert.Fail("No subscription to the restarted broker. Agent log:\n" + string.Join('\n', log.Entries.Select(e => $"{e.Level}: {e.Message}")));
        }

        await restarted.PublishAsync(ReportTopic, Report("embedded", 7, RejectReasons.UnknownStation, "station 'test-fm' is not registered at central"));
        await log.WaitForAsync((level, message) => level == LogLevel.Warning && message.Contains("refused 2 more packet(s) of this station: unknown_station", StringComparison.Ordinal), Patience);
        Assert.Equal(7, agent.Services.GetRequiredService<CentralRejections>().Refused);
    }

    [Fact]
    public async Task Report_SubscriptionRefusedOnALiveLink_TriedAgainWithoutReconnectingAndSaidOnce()
    {
        // A broker whose ACL lets the station read its reports only from the third try (fixed while the agent runs).
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 60);
        await using var broker = new TestBroker { RefuseSubscriptions = 2 };
        await broker.StartAsync();
        var log = new LogCapture();
        var settings = AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool"));
        settings["Agent:Pace"] = "realtime";
        await using var agent = new AgentRunner(settings, b => b.Logging.AddProvider(log));
        await agent.StartAsync();

        await broker.SubscribedAsync(ReportTopic).WaitAsync(Patience);

        Assert.Equal(1, broker.ConnectAttempts);
        var refusals = log.Entries.Where(e => e.Message.Contains("Subscribing to central's reports", StringComparison.Ordinal)).ToList();
        var refusal = Assert.Single(refusals);
        Assert.Equal(LogLevel.Warning, refusal.Level);
        Assert.Contains("NotAuthorized", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_LinkLostWhileAnnouncingOnline_ReconnectsAndSubscribes()
    {
        // The broker drops the agent while its "online" status waits for an acknowledgement: the connection loop must survive
        // whatever the pending publish fails with, connect again and subscribe to central's reports.
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 60);
        await using var broker = new TestBroker { DropOnFirstStatus = true };
        await broker.StartAsync();
        var settings = AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool"));
        settings["Agent:Pace"] = "realtime";
        await using var agent = new AgentRunner(settings);
        await agent.StartAsync();

        await broker.SubscribedAsync(ReportTopic).WaitAsync(Patience);
        Assert.True(broker.ConnectAttempts >= 2, $"connect attempts: {broker.ConnectAttempts}");
    }

    [Fact]
    public async Task RunAsync_FileRunCentralRefused_ExitsOneNamingCountAndReason()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 6);
        await using var broker = new TestBroker();
        await broker.StartAsync();
        using var error = new StringWriter();

        // The run waits for central's report until 15 s after its first packet was delivered (--report-wait), so it hears this.
        var run = AgentHost.RunAsync(Args(wav, broker.Url, dir.Combine("spool")), error);
        await broker.SubscribedAsync(ReportTopic).WaitAsync(Patience);
        await broker.ReceivedAsync(3).WaitAsync(Patience);
        await broker.PublishAsync(ReportTopic, Report("embedded", 3, RejectReasons.AlgorithmVersion, "algorithm version 1, central runs 2"));

        Assert.Equal(1, await run.WaitAsync(Patience));
        Assert.Contains("central refused 3 packet(s) of this run", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("algorithm_version: algorithm version 1, central runs 2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FileRunNothingRefused_ExitsZeroAfterTheBoundedWait()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 4);
        await using var broker = new TestBroker();
        await broker.StartAsync();
        using var error = new StringWriter();

        var code = await AgentHost.RunAsync([.. Args(wav, broker.Url, dir.Combine("spool")), "--report-wait", "1"], error).WaitAsync(Patience);

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public async Task HttpFallback_CentralRefusesEveryPacket_EachSentOnceCountedAndTheRunCompletes()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 10);
        var central = new StubCentral(HttpStatusCode.BadRequest, """{"status":400,"detail":"Algorithm version 1; central runs 2.","reason":"algorithm_version"}""");
        var log = new LogCapture();
        var settings = AgentRunner.Settings("file:" + wav, $"mqtt://127.0.0.1:{TestBroker.FreePort()}", dir.Combine("spool"));
        settings["Agent:HttpFallback"] = "http://central.invalid";
        settings["Agent:HttpFallbackAfterSeconds"] = "0";
        await using var agent = new AgentRunner(settings, b =>
        {
            b.Logging.AddProvider(log);
            b.Services.AddSingleton(new HttpClient(central));
        });
        await agent.StartAsync();

        // Before, a 400 was retried with backoff for ever and the run never completed.
        await agent.Completion.AllDelivered.WaitAsync(Patience);

        var rejections = agent.Services.GetRequiredService<CentralRejections>();
        var sent = agent.Spool.AckedSequence;
        Assert.True(sent >= 4, $"only {sent} packets");
        Assert.Equal(((long)sent, (long)sent), (central.Requests, rejections.Refused));
        Assert.Equal((RejectReasons.AlgorithmVersion, CentralRejections.HttpFallbackInstance), (rejections.LastRejection!.Reason, rejections.LastRejection.Instance));
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("Central http-fallback refused", StringComparison.Ordinal));
        Assert.Contains("upgrade the agent or central", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, AgentHost.RefusedRun(agent.Services, TextWriter.Null));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task HttpFallbackSend_AnswerWorthRetrying_ThrowsSoThePacketStaysSpooled(HttpStatusCode status)
    {
        using var http = new HttpClient(new StubCentral(status, "{}"));

        await Assert.ThrowsAsync<Delivery.DeliveryException>(() => Sender(http).SendAsync(new(7, [1, 2, 3]), CancellationToken.None));
    }

    [Fact]
    public async Task HttpFallbackSend_413FromAProxyWithoutProblemJson_RefusedUnderTheStatus()
    {
        using var http = new HttpClient(new StubCentral(HttpStatusCode.RequestEntityTooLarge, "<html>too big</html>"));

        var refused = await Sender(http).SendAsync(new(7, [1, 2, 3]), CancellationToken.None);

        Assert.Equal(("http_413", "HTTP 413 Request Entity Too Large"), (refused?.Reason, refused?.Detail));
    }

    private static Delivery.HttpFallbackSender Sender(HttpClient http) =>
        new(http, new Configuration.AgentOptions { StationId = "test-fm", Key = "secret", HttpFallback = "http://central.invalid" }, TimeProvider.System);

    private static string[] Args(string wav, string broker, string spool) =>
        ["--station", "test-fm", "--key", "secret", "--source", "file:" + wav, "--broker", broker, "--spool-dir", spool, "--pace", "fast"];

    private static byte[] Report(string instance, long rejected, string reason, string detail)
    {
        var now = DateTimeOffset.UtcNow;
        return new CentralReport(instance, now, 10, rejected, 0, new Dictionary<string, long>())
        {
            LastRejection = new PacketRejection(reason, detail, now),
        }.ToUtf8();
    }

    /// <summary>Answers every packet POST with one fixed response, as central's HTTP ingest would a refused packet.</summary>
    private sealed class StubCentral(HttpStatusCode status, string problem) : HttpMessageHandler
    {
        private long _requests;

        public long Requests => Interlocked.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(status)
            {
                Content = new StringContent(problem, Encoding.UTF8, "application/problem+json"),
            });
        }
    }
}
