using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;
using Zamio.Central.Cli;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Integration;

/// <summary>
/// External broker mode against a real Mosquitto (<c>ZAMIO_TEST_MQTT</c>, default 127.0.0.1:1883, anonymous access
/// as in the CI configuration). Unreachable: the test returns with a message, but fails under <c>CI=true</c>.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ExternalBrokerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "zamio-extbroker-" + Guid.NewGuid().ToString("N"));
    private readonly List<WebApplication> _apps = [];

    [Fact]
    public async Task Two_instances_share_the_subscription_and_write_each_play_once()
    {
        if (await BrokerAsync(output) is not { } broker)
        {
            return;
        }

        var data = Path.Combine(_root, "data");
        var audioDirectory = Path.Combine(_root, "audio");
        Directory.CreateDirectory(audioDirectory);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            ServeFixture.WriteWav(Path.Combine(audioDirectory, $"song{seed}.wav"), SyntheticSong.Generate(seed, 40));
        }

        Assert.Equal(0, CommandLine.Run(["catalog", "add", audioDirectory, "--data-dir", data]));
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var stations = Enumerable.Range(0, 4).Select(i => $"xb{i}-{suffix}").ToArray();
        var store = new StationStore(CentralDatabase.Open(data), TimeProvider.System);
        foreach (var station in stations)
        {
            store.Add(station);
        }

        // Two instances on one database (the embedded file stands in for the shared PostgreSQL).
        var a = await StartAsync(data, broker);
        var b = await StartAsync(data, broker);
        var ingestA = a.Services.GetRequiredService<ExternalBrokerIngest>();
        var ingestB = b.Services.GetRequiredService<ExternalBrokerIngest>();
        await WaitAsync(() => Task.FromResult(ingestA.Members.Count == 2 && ingestB.Members.Count == 2), "both instances see each other");

        // Each station airs one song between silences; packets of all stations interleave as on a live broker.
        var feeds = stations.Select((station, i) => StationFeed.Packets(station, StationFeed.Concat(
            SyntheticSong.Silence(5), SyntheticSong.Generate(1 + (i % 3), 40), SyntheticSong.Silence(40)))).ToList();
        using var publisher = new MqttClientFactory().CreateMqttClient();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId("zamio-test-publisher-" + suffix)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build());
        var total = 0;
        for (var n = 0; n < feeds.Max(f => f.Count); n++)
        {
            // Stations publish independently, not in lockstep: the order rotates every round. A fixed order would let
            // the broker's round robin hand every packet of a station to the same instance, which may be its owner.
            for (var k = 0; k < stations.Length; k++)
            {
                var s = (k + n) % stations.Length;
                if (n < feeds[s].Count)
                {
                    var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder()
                        .WithTopic(Topics.Fingerprints(stations[s]))
                        .WithPayload(feeds[s][n].ToArray())
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build());
                    Assert.True(result.IsSuccess, result.ReasonString);
                    total++;
                }
            }
        }

        // Every packet reaches exactly one ingest loop, in order: accepted over both instances equals what was sent.
        var activityA = a.Services.GetRequiredService<StationActivity>();
        var activityB = b.Services.GetRequiredService<StationActivity>();
        long Accepted(StationActivity activity) => stations.Sum(s => activity.State(s).Accepted);
        await WaitAsync(() => Task.FromResult(Accepted(activityA) + Accepted(activityB) == total), $"all {total} packets accepted", () =>
            string.Join("; ", stations.Select(st => $"{st}: a {activityA.State(st)} b {activityB.State(st)}"))
            + $"; forwarded out a={ingestA.ForwardedOut} b={ingestB.ForwardedOut}");

        Assert.True(ingestA.ReceivedShared > 0 && ingestB.ReceivedShared > 0, $"shared: a={ingestA.ReceivedShared} b={ingestB.ReceivedShared}");
        Assert.True(ingestA.ForwardedOut + ingestB.ForwardedOut > 0, $"some packets went to their station's owner (shared a={ingestA.ReceivedShared} b={ingestB.ReceivedShared}; members a=[{string.Join(',', ingestA.Members)}] b=[{string.Join(',', ingestB.Members)}]; owners {string.Join(',', stations.Select(ingestA.OwnerOf))} / {string.Join(',', stations.Select(ingestB.OwnerOf))}; a={ingestA.InstanceId} b={ingestB.InstanceId})");
        foreach (var station in stations)
        {
            // One instance matched each station.
            Assert.True(activityA.State(station).Accepted == 0 || activityB.State(station).Accepted == 0, $"{station} was matched on both instances");
        }

        using var http = new HttpClient { BaseAddress = Address(a) };
        for (var i = 0; i < stations.Length; i++)
        {
            var station = stations[i];
            JsonElement plays = default;
            await WaitAsync(
                async () =>
                {
                    plays = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative));
                    return plays.EnumerateArray().Any(p => p.GetProperty("status").GetString() == "closed");
                },
                $"a closed play for {station}");
            var play = Assert.Single(plays.EnumerateArray());
            Assert.Equal($"song{1 + (i % 3)}", play.GetProperty("track").GetString());
        }
    }

    [Fact]
    public async Task A_reconnect_resumes_the_session_and_loses_nothing_published_while_disconnected()
    {
        if (await BrokerAsync(output) is not { } broker)
        {
            return;
        }

        using var rig = await FirstPacketAcceptedAsync(broker, songSeconds: 12);
        var (ingest, activity, station, packets, agent) = rig;

        // What the stall watch does: drop the connection, keep the session. The supervisor reconnects a second later.
        await ingest.DropConnectionAsync(CancellationToken.None);
        await WaitAsync(() => Task.FromResult(!ingest.IsConnected), "the connection to drop");
        foreach (var packet in packets.Skip(1))
        {
            Assert.True((await StationFeed.PublishAsync(agent, Topics.Fingerprints(station), packet.ToArray())).IsSuccess);
        }

        // Proof that the broker, not a live subscription, held them: still disconnected when the last was accepted by it.
        Assert.False(ingest.IsConnected, "reconnected before the packets were published; the test proves nothing");
        await WaitAsync(() => Task.FromResult(activity.State(station).Accepted == packets.Count), $"all {packets.Count} packets", () => activity.State(station).ToString());
        Assert.True(ingest.IsConnected);
    }

    [Fact]
    public async Task A_packet_released_while_disconnected_does_not_stop_ingest()
    {
        if (await BrokerAsync(output) is not { } broker)
        {
            return;
        }

        // The reorder window ends (at most 0.63 s after the packet arrives) before the supervisor reconnects (1 s after the
        // drop), so the held packet is handed to ingest, and its delivery settled, while no connection exists.
        using var rig = await FirstPacketAcceptedAsync(broker, songSeconds: 8, reorderWindowMilliseconds: 500);
        var (ingest, activity, station, packets, agent) = rig;

        // The third packet without the second: held for order, unacknowledged, when its connection goes.
        var received = ingest.ReceivedShared;
        Assert.True((await StationFeed.PublishAsync(agent, Topics.Fingerprints(station), packets[2].ToArray())).IsSuccess);
        await WaitAsync(() => Task.FromResult(ingest.ReceivedShared > received), "the third packet to reach the instance");
        await ingest.DropConnectionAsync(CancellationToken.None);
        await WaitAsync(() => Task.FromResult(activity.State(station).Accepted == 2), "the held packet to be released", () => activity.State(station).ToString());
        await WaitAsync(() => Task.FromResult(ingest.IsConnected), "the instance to reconnect");

        // The broker sends the third again (its acknowledgement was never sent): a duplicate. The rest must still come in.
        foreach (var packet in packets.Skip(3))
        {
            Assert.True((await StationFeed.PublishAsync(agent, Topics.Fingerprints(station), packet.ToArray())).IsSuccess);
        }

        await WaitAsync(() => Task.FromResult(activity.State(station).Accepted == packets.Count - 1), $"all {packets.Count - 1} packets sent", () => activity.State(station).ToString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task An_agents_retained_status_and_its_last_will_reach_the_stations_list()
    {
        if (await BrokerAsync(output) is not { } broker)
        {
            return;
        }

        var data = Path.Combine(_root, "data");
        var station = $"xs-{Guid.NewGuid().ToString("N")[..6]}";
        new StationStore(CentralDatabase.Open(data), TimeProvider.System).Add(station);
        var status = new StationStatus(true, station, DateTimeOffset.UtcNow, "9.9.9", 1, "file:x.wav", -20, false, 0, null, 5, 0, 0, null);

        // Retained before central starts, as an agent's status is: the subscription brings it at once.
        using var agent = new MqttClientFactory().CreateMqttClient();
        await agent.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId("zamio-test-agent-" + station)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithWillTopic(Topics.Status(station)).WithWillPayload((status with { Online = false }).ToUtf8()).WithWillRetain()
            .Build());
        await agent.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Status(station)).WithPayload(status.ToUtf8()).WithRetainFlag().Build());
        var app = await StartAsync(data, broker);
        using var http = new HttpClient { BaseAddress = Address(app) };
        async Task<JsonElement> ListedAsync() => (await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative)))
            .EnumerateArray().Single(s => s.GetProperty("station").GetString() == station);

        await WaitAsync(async () => (await ListedAsync()).GetProperty("spoolDepth").ValueKind == JsonValueKind.Number, "the retained status");
        var listed = await ListedAsync();
        Assert.Equal((true, 5L), (listed.GetProperty("online").GetBoolean(), listed.GetProperty("spoolDepth").GetInt64()));

        // The agent vanishes without a goodbye: the broker publishes its will, and the list says offline.
        agent.Dispose();
        await WaitAsync(async () => !(await ListedAsync()).GetProperty("online").GetBoolean(), "the agent's last will");

        // Clean up the retained message so later runs start without it.
        using var cleaner = new MqttClientFactory().CreateMqttClient();
        await cleaner.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        await cleaner.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Topics.Status(station)).WithPayload(Array.Empty<byte>()).WithRetainFlag().Build());
    }

    [Fact]
    public async Task A_station_hears_why_central_refused_its_packet_on_its_status_central_topic()
    {
        if (await BrokerAsync(output) is not { } broker)
        {
            return;
        }

        var station = $"xr-{Guid.NewGuid().ToString("N")[..6]}";
        await StartAsync(Path.Combine(_root, "data"), broker);
        using var agent = new MqttClientFactory().CreateMqttClient();
        var report = new TaskCompletionSource<CentralReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.ApplicationMessageReceivedAsync += e =>
        {
            if (CentralReport.TryParse(e.ApplicationMessage.Payload, out var parsed))
            {
                report.TrySetResult(parsed);
            }

            return Task.CompletedTask;
        };
        await agent.ConnectAsync(AgentOptions(broker, station));
        await agent.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.CentralStatus(station)).Build());
        var packet = StationFeed.Packets(station, SyntheticSong.Generate(1, 4))[0];
        var foreign = new FingerprintPacket(packet.StationId, packet.Sequence, packet.CaptureStartUnixMicros, packet.StartFrame, packet.FrameCount, packet.Peaks.AsSpan(),
            algorithmVersion: Zamio.Shared.Fingerprinting.FingerprintSettings.AlgorithmVersion + 1);

        // The instance may still be subscribing: the packet goes again until a report comes.
        using var timeout = new CancellationTokenSource(Patience);
        while (!report.Task.IsCompleted)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await StationFeed.PublishAsync(agent, Topics.Fingerprints(station), foreign.ToArray());
            await Task.WhenAny(report.Task, Task.Delay(TimeSpan.FromSeconds(2), timeout.Token));
        }

        var received = await report.Task;
        Assert.Equal(RejectReasons.AlgorithmVersion, received.LastRejection?.Reason);
        Assert.Contains($"central runs {Zamio.Shared.Fingerprinting.FingerprintSettings.AlgorithmVersion}", received.LastRejection!.Detail, StringComparison.Ordinal);
        Assert.StartsWith("zamio-central-", received.Instance, StringComparison.Ordinal);
    }

    // One station, its agent connected, an instance started, and the station's first packet accepted: the instance may
    // still be subscribing, so that packet goes again until it is (duplicates are dropped).
    private async Task<StationRig> FirstPacketAcceptedAsync((string Host, int Port) broker, int songSeconds, int reorderWindowMilliseconds = 2000)
    {
        var data = Path.Combine(_root, "data");
        var station = $"xr-{Guid.NewGuid().ToString("N")[..6]}";
        new StationStore(CentralDatabase.Open(data), TimeProvider.System).Add(station);
        var app = await StartAsync(data, broker, reorderWindowMilliseconds);
        var rig = new StationRig(
            app.Services.GetRequiredService<ExternalBrokerIngest>(),
            app.Services.GetRequiredService<StationActivity>(),
            station,
            StationFeed.Packets(station, SyntheticSong.Generate(1, songSeconds)),
            new MqttClientFactory().CreateMqttClient());
        await rig.Agent.ConnectAsync(AgentOptions(broker, station));
        await WaitAsync(
            async () =>
            {
                await StationFeed.PublishAsync(rig.Agent, Topics.Fingerprints(station), rig.Packets[0].ToArray());
                return rig.Activity.State(station).Accepted == 1;
            },
            "the first packet");
        return rig;
    }

    private sealed record StationRig(ExternalBrokerIngest Ingest, StationActivity Activity, string Station, List<FingerprintPacket> Packets, IMqttClient Agent)
        : IDisposable
    {
        public void Dispose() => Agent.Dispose();
    }

    private static MqttClientOptions AgentOptions((string Host, int Port) broker, string station) => new MqttClientOptionsBuilder()
        .WithTcpServer(broker.Host, broker.Port)
        .WithClientId("zamio-test-agent-" + station)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
        .Build();

    /// <summary>The broker from <c>ZAMIO_TEST_MQTT</c> if it accepts a connection, else null (or a failure in CI).</summary>
    internal static async Task<(string Host, int Port)?> BrokerAsync(ITestOutputHelper output)
    {
        var setting = Environment.GetEnvironmentVariable("ZAMIO_TEST_MQTT") is { Length: > 0 } env ? env : "127.0.0.1:1883";
        var colon = setting.LastIndexOf(':');
        var host = colon > 0 ? setting[..colon] : setting;
        var port = colon > 0 ? int.Parse(setting[(colon + 1)..], CultureInfo.InvariantCulture) : 1883;
        using var probe = new MqttClientFactory().CreateMqttClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await probe.ConnectAsync(
                new MqttClientOptionsBuilder().WithTcpServer(host, port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithTimeout(TimeSpan.FromSeconds(10)).Build(),
                timeout.Token);
            await probe.DisconnectAsync();
            return (host, port);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or SocketException or OperationCanceledException or TimeoutException)
        {
            var message = $"SKIPPED: MQTT broker at '{setting}' is unreachable ({ex.GetType().Name}: {ex.Message}); start it with scripts/services.sh start";
            if (TestServers.InCi)
            {
                Assert.Fail(message);
            }

            output.WriteLine(message);
            Console.Error.WriteLine(message);
            return null;
        }
    }

    private async Task<WebApplication> StartAsync(string data, (string Host, int Port) broker, int reorderWindowMilliseconds = 2000)
    {
        var app = ServeHost.Build(
            ["serve", "--data-dir", data, "--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string?>
            {
                ["Central:Mqtt:Host"] = broker.Host,
                ["Central:Mqtt:Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
                // The test publishes every packet in one burst while other test classes load the machine: a packet forwarded
                // through the broker once took over 500 ms to overtake, and was counted as a duplicate. The window is a
                // delivery tolerance; what the test checks is ownership, forwarding and order.
                ["Central:Mqtt:ReorderWindowMilliseconds"] = reorderWindowMilliseconds.ToString(CultureInfo.InvariantCulture),
                ["Central:Mqtt:StatusIntervalSeconds"] = "1",
            });
        _apps.Add(app);
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, Func<string>? state = null)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}{(state is null ? "" : $" ({state()})")}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }
}
