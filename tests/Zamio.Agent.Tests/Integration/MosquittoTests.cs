using System.Globalization;
using Xunit.Abstractions;

namespace Zamio.Agent.Tests.Integration;

/// <summary>
/// The agent against a real Mosquitto: the shared one (<c>ZAMIO_TEST_MQTT</c>, default 127.0.0.1:1883, started by
/// scripts/services.sh) and a private one the test crashes and restarts.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MosquittoTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task FileSource_SharedMosquitto_EveryPacketOnceInOrder()
    {
        var setting = Environment.GetEnvironmentVariable("ZAMIO_TEST_MQTT") is { Length: > 0 } env ? env : "127.0.0.1:1883";
        var colon = setting.LastIndexOf(':');
        var host = setting[..colon];
        var port = int.Parse(setting[(colon + 1)..], CultureInfo.InvariantCulture);
        var station = "mq-" + Guid.NewGuid().ToString("N")[..10]; // the broker is shared: a topic of our own
        await using var subscriber = new PacketSubscriber(station, persistent: false);
        Exception? unreachable = null;
        try
        {
            await subscriber.ConnectAsync(host, port);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            unreachable = ex;
        }

        if (!TestEnvironment.Require(unreachable is null, $"no MQTT broker at {setting} ({unreachable?.Message})", output))
        {
            return;
        }

        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 40);
        var settings = AgentRunner.Settings("file:" + wav, $"mqtt://{setting}", dir.Combine("spool"));
        settings["Agent:StationId"] = station;
        await using var agent = new AgentRunner(settings);
        await agent.StartAsync();
        await agent.Completion.AllDelivered.WaitAsync(Patience);
        var last = agent.Spool.AckedSequence;
        await subscriber.WaitForDistinctAsync(last, Patience);

        var received = subscriber.Packets;
        Assert.Empty(DeliveryAssert.CompleteAndOrdered(received, last, station));
        DeliveryAssert.TilesFromZero(received);
        Assert.True(last >= 20, $"only {last} packets");
    }

    [Fact]
    public async Task BrokerStoppedMidStreamThenRestarted_EveryPacketOnceInOrder()
    {
        if (!TestEnvironment.Require(MosquittoProcess.Executable is not null, "the mosquitto binary is not installed", output))
        {
            return;
        }

        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        // Long enough that fingerprinting it outlasts the moment the broker is stopped, however fast the machine is:
        // with 2 minutes of audio the whole file could be produced and delivered before the stop.
        TestAudio.WriteChordWav(wav, seconds: 1200, seed: 11);
        using var broker = new MosquittoProcess(dir.Combine("mosquitto"), TestBroker.FreePort());
        await using var subscriber = new PacketSubscriber("test-fm", persistent: true);
        await broker.StartAsync();
        await subscriber.ConnectAsync("127.0.0.1", broker.Port);
        var tenth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.PacketReceived += p =>
        {
            if (p.Sequence >= 10)
            {
                tenth.TrySetResult();
            }
        };
        await using var agent = new AgentRunner(AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool")));
        var produced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Completion.Completed += produced.SetResult;
        await agent.StartAsync();

        // A clean stop persists the subscriber's session with what the broker acknowledged but had not yet
        // forwarded, as a production broker must. (After a SIGKILL, Mosquitto loses those: packets it PUBACKed
        // never reach any subscriber. No publisher can recover them, so that case is the broker's, not the agent's.)
        await tenth.Task.WaitAsync(Patience);
        await broker.StopAsync();

        // The rest of the file is fingerprinted while the broker is down, so it must come from the spool.
        await produced.Task.WaitAsync(Patience);
        Assert.True(agent.Spool.Depth > 0, "packets waited in the spool");
        await broker.StartAsync();
        await subscriber.ConnectAsync("127.0.0.1", broker.Port);
        await agent.Completion.AllDelivered.WaitAsync(Patience);
        var last = agent.Spool.AckedSequence;
        await subscriber.WaitForDistinctAsync(last, Patience);

        var received = subscriber.Packets;
        var repeats = DeliveryAssert.CompleteAndOrdered(received, last);
        DeliveryAssert.TilesFromZero([.. received.DistinctBy(p => p.Sequence)]);

        // Only packets in flight at the stop may arrive twice: the agent's publishes the broker had not acknowledged (at
        // most its receive maximum), and the broker's deliveries the subscriber had not acknowledged (its in-flight
        // limit), which the persisted session sends again. One run under load saw 28, more than either alone.
        Assert.True(repeats.Count <= 2 * MosquittoProcess.MaxInflight, $"{repeats.Count} packets redelivered");
        output.WriteLine($"{last} packets, {repeats.Count} redelivered");
    }
}
