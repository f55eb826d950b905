using Zamio.Agent.Pipeline;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

public sealed class PacketAssemblerTests
{
    private static float[] Chords(int samples, int seed)
    {
        var random = new Random(seed);
        var output = new float[samples];
        double f1 = 0, f2 = 0;
        for (var i = 0; i < samples; i++)
        {
            if (i % 4000 == 0)
            {
                f1 = 200 + random.Next(0, 1500);
                f2 = 200 + random.Next(0, 1500);
            }

            output[i] = (float)(0.3 * Math.Sin(2 * Math.PI * f1 * i / 8000) + 0.3 * Math.Sin(2 * Math.PI * f2 * i / 8000));
        }

        return output;
    }

    // Two-second packets of audio written in blocks of blockSize samples.
    private static List<PacketDraft> AssembleInBlocks(float[] audio, int blockSize)
    {
        var drafts = new List<PacketDraft>();
        var assembler = new PacketAssembler(DateTimeOffset.UnixEpoch.AddYears(50), 2, -50, drafts.Add);
        for (var i = 0; i < audio.Length; i += blockSize)
        {
            assembler.Write(i, audio.AsSpan(i, Math.Min(blockSize, audio.Length - i)));
        }

        assembler.Complete();
        return drafts;
    }

    // Each packet begins where the one before ended.
    private static void AssertTiled(List<PacketDraft> drafts)
    {
        for (var i = 1; i < drafts.Count; i++)
        {
            Assert.Equal(drafts[i - 1].StartFrame + drafts[i - 1].FrameCount, drafts[i].StartFrame);
        }
    }

    [Fact]
    public void PacketsTileTheFrameAxisAndCarryPeaksInRange()
    {
        var drafts = AssembleInBlocks(Chords(8000 * 20, 1), 777);

        Assert.Equal(0, drafts[0].StartFrame);
        AssertTiled(drafts);
        Assert.All(drafts, d => Assert.All(d.Peaks, p => Assert.InRange(p.Frame, d.StartFrame, d.StartFrame + d.FrameCount - 1)));
        Assert.All(drafts, d => Assert.Equal(FingerprintPacketFlags.None, d.Flags));
        Assert.All(drafts[..^1], d => Assert.Equal(62, d.FrameCount));
        var packet = FingerprintPacket.Decode(drafts[3].Encode("x", 4));
        Assert.Equal(drafts[3].Peaks, packet.Peaks);
    }

    [Fact]
    public void Packets_CarryTheSupportPeaksOfTheirFrames_AllOfThemOnce()
    {
        var audio = Chords(8000 * 20, 3);
        var drafts = AssembleInBlocks(audio, 1000);

        Assert.All(drafts, d => Assert.All(d.Support, p => Assert.InRange(p.Frame, d.StartFrame, d.StartFrame + d.FrameCount - 1)));
        Assert.Equal(Zamio.Shared.Fingerprinting.PeakExtractor.ExtractWithSupport(audio).Support, drafts.SelectMany(d => d.Support));
        var packet = FingerprintPacket.Decode(drafts[3].Encode("x", 4));
        Assert.NotEmpty(packet.Support);
        Assert.Equal(drafts[3].Support, packet.Support);
    }

    [Fact]
    public void LongPacketsOfNoise_EndEarlyRatherThanCarryTooManySupportPeaks()
    {
        // White noise makes ~300 support peaks a second: 65 s packets would hold ~20,000, over a packet's limit.
        var drafts = new List<PacketDraft>();
        var assembler = new PacketAssembler(DateTimeOffset.UnixEpoch.AddYears(50), 65, -80, drafts.Add);
        var random = new Random(7);
        var noise = new float[8000 * 140];
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] = (float)(random.NextDouble() - 0.5);
        }

        assembler.Write(0, noise);
        assembler.Complete();

        Assert.Contains(drafts, d => d.FrameCount < assembler.PacketFrames && d != drafts[^1]);
        Assert.All(drafts, d => Assert.InRange(d.Support.Length, 1, FingerprintPacket.MaxSupportCount));
        AssertTiled(drafts);

        Assert.All(drafts, d => FingerprintPacket.Decode(d.Encode("x", 1)));
    }

    [Fact]
    public void GapInSampleClock_FlagsAndSkipsFrames()
    {
        var drafts = new List<PacketDraft>();
        var assembler = new PacketAssembler(DateTimeOffset.UnixEpoch, 2, -50, drafts.Add);
        var audio = Chords(8000 * 5, 2);
        assembler.Write(0, audio);
        var before = drafts.Count;
        assembler.Write(8000 * 60, audio); // a minute lost (stream reconnect)
        assembler.Complete();

        var gap = drafts[before..].First(d => d.StartFrame >= 60 * 31);
        Assert.True((gap.Flags & FingerprintPacketFlags.GapBefore) != 0);
        Assert.Equal(8000 * 60 / 256, gap.StartFrame);
        Assert.Equal(gap.StartFrame * 32_000, gap.CaptureStartUnixMicros);
        Assert.Single(drafts, d => (d.Flags & FingerprintPacketFlags.GapBefore) != 0);
    }

    [Fact]
    public void GapOffFrameBoundary_PacketsKeepFlowingAfterIt()
    {
        var drafts = new List<PacketDraft>();
        var assembler = new PacketAssembler(DateTimeOffset.UnixEpoch, 2, -50, drafts.Add);
        var audio = Chords(8000 * 10, 3);
        assembler.Write(0, audio.AsSpan(0, 8000 * 2));

        // A reconnect resumes at a sample that is not a multiple of the hop, then audio arrives in blocks.
        const long resume = (8000 * 5) + 100;
        for (var i = 0; i < 8000 * 8; i += 800)
        {
            assembler.Write(resume + i, audio.AsSpan(i, 800));
        }

        var gap = drafts.FindIndex(d => (d.Flags & FingerprintPacketFlags.GapBefore) != 0);
        Assert.True(gap > 0);
        Assert.Single(drafts, d => (d.Flags & FingerprintPacketFlags.GapBefore) != 0);
        Assert.Equal((resume + 255) / 256, drafts[gap].StartFrame);
        Assert.True(drafts.Count - gap >= 3, $"{drafts.Count - gap} packets after the gap");
    }

    [Fact]
    public void Silence_IsFlagged()
    {
        var drafts = new List<PacketDraft>();
        var assembler = new PacketAssembler(DateTimeOffset.UnixEpoch, 2, -50, drafts.Add);
        assembler.Write(0, new float[8000 * 10]);
        assembler.Complete();
        Assert.All(drafts, d => Assert.True((d.Flags & FingerprintPacketFlags.Silence) != 0));
        Assert.All(drafts, d => Assert.Empty(d.Peaks));
    }
}
