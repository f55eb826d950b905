using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>An Icecast/SHOUTcast stream source whose connection drops mid-stream, through the real host.</summary>
public sealed class StreamSourceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void Description_UrlWithCredentialsAndToken_ShowsNeither()
    {
        using var http = new HttpClient();
        var source = new Zamio.Agent.Sources.HttpAudioSource(new Uri("http://user:secret@stream.example:8000/live.mp3?token=abc"), http);

        Assert.Equal("http://stream.example:8000/live.mp3", source.Description);
    }

    [Theory]
    [InlineData("ffmpeg -i http://user:secret@stream.example/live -f s16le -ac 1 -ar 8000 -", "cmd:ffmpeg …")]
    [InlineData("  arecord  ", "cmd:arecord")]
    public void Description_Command_ShowsTheProgramOnly(string command, string expected) =>
        Assert.Equal(expected, Zamio.Agent.Sources.ProcessAudioSource.Command(command, TimeSpan.FromSeconds(1)).Description);

    [Fact]
    public async Task StreamDropsMidStream_ReconnectsAndPacketsKeepFlowingWithTheGapOnTheClock()
    {
        var mp3 = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tone1k-22k-mono-noid3.mp3"));
        await using var server = new IcyStreamServer(mp3, bytesPerSecond: 4000, firstConnectionAudio: TimeSpan.FromSeconds(3), title: "Artist - Song");
        server.Start();
        await using var broker = new TestBroker();
        var afterGap = 0;
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.PacketReceived += p =>
        {
            if ((p.Flags & FingerprintPacketFlags.GapBefore) != 0 || afterGap > 0)
            {
                if (++afterGap == 4)
                {
                    flowing.TrySetResult();
                }
            }
        };
        await broker.StartAsync();
        using var dir = new TempDir();
        var settings = AgentRunner.Settings(server.Url, broker.Url, dir.Combine("spool"));
        settings["Agent:Pace"] = "realtime";
        settings["Agent:PacketSeconds"] = "0.5";
        settings["Agent:StatusIntervalSeconds"] = "0.5";
        await using var agent = new AgentRunner(settings);
        await agent.StartAsync();

        await flowing.Task.WaitAsync(Patience);
        await TestEnvironment.WaitUntilAsync(() => broker.LastStatus?.Contains("Artist - Song", StringComparison.Ordinal) == true, Patience, "the ICY title in the status");

        var packets = broker.Packets.ToList();
        Assert.True(server.Connections >= 2, "the source reconnected");
        Assert.Equal(Enumerable.Range(1, packets.Count).Select(i => (ulong)i), packets.Select(p => p.Sequence));
        var gap = packets.FindIndex(p => (p.Flags & FingerprintPacketFlags.GapBefore) != 0);
        Assert.True(gap > 0, "packets before the drop");
        DeliveryAssert.TilesFromZero(packets[..gap]);

        // The audio clock jumps over the time the stream was away instead of closing up.
        var before = packets[gap - 1];
        var missing = packets[gap].StartFrame - (before.StartFrame + before.FrameCount);
        Assert.True(missing > 0, "the gap is visible on the frame axis");
        Assert.Equal(packets[0].CaptureStart.AddTicks(packets[gap].StartFrame * FingerprintSettings.HopSize * TimeSpan.TicksPerSecond / FingerprintSettings.SampleRate), packets[gap].CaptureStart);
        DeliveryAssert.Contiguous(packets[gap..]);
    }

    [Fact]
    public async Task StreamSendsABurstOfPastAudioOnConnecting_StampsStayOnTheClock()
    {
        var mp3 = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "tone1k-22k-mono-noid3.mp3"));
        await using var server = new IcyStreamServer(mp3, bytesPerSecond: 4000, firstConnectionAudio: TimeSpan.FromSeconds(8), title: "Artist - Song", burst: TimeSpan.FromSeconds(6));
        server.Start();
        await using var broker = new TestBroker();
        var ahead = new System.Collections.Concurrent.ConcurrentBag<double>();
        broker.PacketReceived += p =>
        {
            var end = p.CaptureStart.AddTicks(p.FrameCount * FingerprintSettings.HopSize * TimeSpan.TicksPerSecond / FingerprintSettings.SampleRate);
            ahead.Add((end - DateTimeOffset.UtcNow).TotalSeconds);
        };
        await broker.StartAsync();
        using var dir = new TempDir();
        var settings = AgentRunner.Settings(server.Url, broker.Url, dir.Combine("spool"));
        settings["Agent:PacketSeconds"] = "0.5";
        await using var agent = new AgentRunner(settings);
        await agent.StartAsync();

        // Both connections began with 6 s of past audio; stamped as new, it ran the clock 6 s ahead each time.
        await TestEnvironment.WaitUntilAsync(() => server.Connections >= 2 && ahead.Count >= 24, Patience, "12 s of packets over two connections");

        // Capture lets a source run up to 2 s ahead before it drops audio (AheadLimitSamples); a 6 s burst stamped as new
        // would end 6 s ahead. The bound is that limit, not less: on a loaded machine packets have ended 1.3 s ahead.
        Assert.True(ahead.Max() <= 2.0, $"a packet ended {ahead.Max():0.0} s ahead of the clock");
    }
}

