using Microsoft.Extensions.DependencyInjection;
using Zamio.Agent.Configuration;
using Zamio.Agent.Mqtt;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>End to end through the real host: file source → spool → in-process broker.</summary>
public sealed class DeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FileAtFastPace_AllPacketsArriveInOrderWithConsecutiveSequences()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 40);
        await using var broker = new TestBroker();
        await broker.StartAsync();
        var settings = AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool"));
        settings["Agent:StartTime"] = "2025-03-01T06:00:00Z";
        await using var agent = new AgentRunner(settings);
        await agent.StartAsync();

        await agent.Completion.AllDelivered.WaitAsync(Patience);

        var packets = broker.Packets.ToList();
        Assert.True(packets.Count >= 20, $"only {packets.Count} packets");
        var start = new DateTimeOffset(2025, 3, 1, 6, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            Assert.Equal((ulong)(i + 1), p.Sequence);
            Assert.Equal("test-fm", p.StationId);
            Assert.True(p.FrameCount <= 62, "a packet covers at most 2 s");
            Assert.Equal(start.AddTicks(p.StartFrame * 320_000), p.CaptureStart);
            if (i > 0)
            {
                Assert.Equal(packets[i - 1].StartFrame + packets[i - 1].FrameCount, p.StartFrame);
            }
        }

        var frames = packets[^1].StartFrame + packets[^1].FrameCount;
        Assert.InRange(frames, (long)(39 * FingerprintSettings.FramesPerSecond), (long)(41 * FingerprintSettings.FramesPerSecond));
        Assert.True(packets.Sum(p => p.Peaks.Length) > 200, "chords produce peaks");
        Assert.Contains("\"online\":true", broker.LastStatus, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokerStoppedMidStream_NothingLostOrderKept()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 120, seed: 11);
        var broker = new TestBroker();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.PacketReceived += p =>
        {
            if (p.Sequence == 10)
            {
                stopped.TrySetResult();
            }
        };
        await broker.StartAsync();
        var settings = AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool"));
        await using var agent = new AgentRunner(settings);
        var produced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Completion.Completed += produced.SetResult;
        await agent.StartAsync();

        await stopped.Task.WaitAsync(Patience);
        await broker.StopAsync();
        var received = broker.Packets.ToList(); // after stopping: anything PUBACKed up to then is in the list

        // Everything else is produced while the broker is away, so it must come from the spool.
        await produced.Task.WaitAsync(Patience);
        Assert.True(agent.Spool.Depth > 0, "packets waited in the spool");
        var restarted = new TestBroker(port: broker.Port);
        await restarted.StartAsync();
        await agent.Completion.AllDelivered.WaitAsync(Patience);
        received.AddRange(restarted.Packets);
        await restarted.DisposeAsync();

        // At-least-once: what was in flight (unacknowledged) when the broker stopped is sent again, never more.
        var repeats = DeliveryAssert.CompleteAndOrdered(received, lastSequence: agent.Spool.AckedSequence);
        Assert.True(repeats.Count <= new AgentOptions().PublishWindow, $"{repeats.Count} duplicates");
    }

    [Fact]
    public async Task RestartWithNonEmptySpool_ResumesAndNeverReusesSequences()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 20, seed: 3);
        var spool = dir.Combine("spool");
        var broker = new TestBroker();
        ulong firstRunLast;

        // First run: broker not started, so everything stays spooled.
        await using (var first = new AgentRunner(AgentRunner.Settings("file:" + wav, broker.Url, spool)))
        {
            var produced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            first.Completion.Completed += produced.SetResult;
            await first.StartAsync();
            await produced.Task.WaitAsync(Patience);
            Assert.Equal(0UL, first.Spool.AckedSequence);
            firstRunLast = first.Spool.NextSequence - 1;
            Assert.True(firstRunLast >= 9);
        }

        await broker.StartAsync();
        await using (var second = new AgentRunner(AgentRunner.Settings("file:" + wav, broker.Url, spool)))
        {
            await second.StartAsync();
            await second.Completion.AllDelivered.WaitAsync(Patience);
        }

        var received = broker.Packets.ToList();
        await broker.DisposeAsync();
        var repeats = DeliveryAssert.CompleteAndOrdered(received, lastSequence: 2 * firstRunLast);
        Assert.True(repeats.Count <= 2, $"{repeats.Count} duplicates");
        Assert.Equal(firstRunLast + 1, received.First(p => p.StartFrame == 0 && p.Sequence > firstRunLast).Sequence);
    }

    [Fact]
    public async Task RefusedCredentials_ClearErrorAndBackoff()
    {
        using var dir = new TempDir();
        var wav = dir.Combine("chords.wav");
        TestAudio.WriteChordWav(wav, seconds: 4);
        await using var broker = new TestBroker(key: "secret");
        var thirdAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstAttemptAt = 0L;
        broker.ConnectAttempted += () =>
        {
            if (broker.ConnectAttempts == 1)
            {
                Interlocked.Exchange(ref firstAttemptAt, TimeProvider.System.GetTimestamp());
            }
            else if (broker.ConnectAttempts == 3)
            {
                thirdAttempt.TrySetResult();
            }
        };
        await broker.StartAsync();
        await using var agent = new AgentRunner(AgentRunner.Settings("file:" + wav, broker.Url, dir.Combine("spool"), key: "wrong"));
        await agent.StartAsync();

        await thirdAttempt.Task.WaitAsync(Patience);
        var elapsed = TimeProvider.System.GetElapsedTime(Interlocked.Read(ref firstAttemptAt));

        // Two backoff delays of ~1-2 s each separate three attempts; a tight loop would take milliseconds.
        Assert.True(elapsed >= TimeSpan.FromSeconds(0.5), $"three attempts within {elapsed.TotalMilliseconds:0} ms");
        Assert.Contains("refused the credentials of station 'test-fm'", agent.Services.GetRequiredService<MqttLink>().LastError, StringComparison.Ordinal);
        Assert.Empty(broker.Packets);
        Assert.False(agent.Completion.AllDelivered.IsCompleted);
    }
}
