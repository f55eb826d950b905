using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zamio.Agent.Capture;
using Zamio.Agent.Configuration;
using Zamio.Agent.Hosting;
using Zamio.Agent.Pipeline;
using Zamio.Agent.Spool;
using Zamio.Agent.Status;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

public sealed class FingerprintServiceTests
{
    private const int BlockSamples = FingerprintSettings.SampleRate / 10;

    [Fact]
    public async Task ExecuteAsync_BlocksOfANewEpoch_NewStreamFromFrameZeroAfterTheOldOnesLastFrames()
    {
        using var dir = new TempDir();
        using var spool = new PacketSpool(new SpoolSettings(dir.Path, 1 << 30), TimeProvider.System, NullLogger<PacketSpool>.Instance);
        var channel = new AudioChannel();
        using var service = new FingerprintService(channel, spool, new AgentState(), new RunCompletion(), Options.Create(new AgentOptions { StationId = "test-station" }), NullLogger<FingerprintService>.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await service.StartAsync(timeout.Token);

        // A minute in, the capture loop found the clock 3 h behind and started a new stream.
        var first = new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
        var second = first.AddMinutes(1).AddHours(3);
        var random = new Random(7);
        await WriteAsync(channel, first, TimeSpan.FromMinutes(1), random, timeout.Token);
        await WriteAsync(channel, second, TimeSpan.FromSeconds(30), random, timeout.Token);
        channel.Channel.Writer.Complete();
        await service.ExecuteTask!.WaitAsync(timeout.Token);

        var packets = new List<FingerprintPacket>();
        while (spool.TryTake(out var record))
        {
            packets.Add(FingerprintPacket.Decode(record.Payload));
        }

        var streams = packets.GroupBy(p => p.StreamStartUnixMicros).ToList();
        Assert.Equal([FingerprintPacket.ToUnixMicros(first), FingerprintPacket.ToUnixMicros(second)], streams.Select(s => s.Key));
        Assert.Equal(0, streams[1].First().StartFrame);
        // The old stream's frames held back for peak picking went out before the new stream began.
        var oldEnd = streams[0].Last().StartFrame + streams[0].Last().FrameCount;
        Assert.InRange(oldEnd, FingerprintSettings.SecondsToFrame(59.5), FingerprintSettings.SecondsToFrame(60.5));
    }

    private static async Task WriteAsync(AudioChannel channel, DateTimeOffset epoch, TimeSpan audio, Random random, CancellationToken cancellationToken)
    {
        for (long start = 0; start < audio.TotalSeconds * FingerprintSettings.SampleRate; start += BlockSamples)
        {
            var samples = ArrayPool<float>.Shared.Rent(BlockSamples);
            for (var i = 0; i < BlockSamples; i++)
            {
                samples[i] = (float)(0.2 * (random.NextDouble() - 0.5));
            }

            await channel.Channel.Writer.WriteAsync(new AudioBlock(epoch, start, samples, BlockSamples), cancellationToken);
        }
    }
}
