using System.Buffers.Binary;
using Xunit.Abstractions;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

public class FingerprintPacketSupportTests(ITestOutputHelper output)
{
    private const int StartFrame = 100;
    private const int FrameCount = 256;

    [Fact]
    public void Decode_SupportInSeveralFrames_RoundTrips()
    {
        // First group at StartFrame (frame delta 0), a two-byte frame delta, the lowest and highest whole bins, and
        // the packet's last frame.
        Peak[] support =
        [
            new(100, 0), new(100, 16), new(100, 4095 * 16),
            new(101, 38 * 16), new(101, 460 * 16),
            new(300, 200 * 16),
            new(355, 4095 * 16),
        ];
        var packet = new FingerprintPacket(
            PacketSamples.Station, 3, PacketSamples.CaptureStart, StartFrame, FrameCount, [new Peak(120, 999)], support: support);

        var bytes = packet.ToArray();
        var decoded = FingerprintPacket.Decode(bytes);

        PacketSamples.AssertSame(packet, decoded);
        Assert.Equal(support, decoded.Support.ToArray());
        Assert.Equal(bytes, decoded.ToArray());
        Assert.Equal(bytes.Length, packet.GetEncodedSize());
    }

    [Fact]
    public void Decode_255SupportPeaksInOneFrame_RoundTrips()
    {
        var support = Enumerable.Range(0, 255).Select(i => new Peak(StartFrame + 9, (ushort)(i * 16 * 16))).ToArray();
        var packet = new FingerprintPacket("s", 0, 0, StartFrame, 10, [], support: support);

        var decoded = FingerprintPacket.Decode(packet.ToArray());

        Assert.Equal(support, decoded.Support.ToArray());
    }

    [Fact]
    public void Decode_RealisticPacketWithSupport_RoundTrips()
    {
        var packet = PacketSamples.Realistic(seed: 21, withSupport: true);
        Assert.NotEmpty(packet.Support);
        PacketSamples.AssertSame(packet, FingerprintPacket.Decode(packet.ToArray()));
    }

    [Fact]
    public void Encode_NoSupport_WritesFormat2WithGroupCountZero()
    {
        var packet = PacketSamples.Realistic(seed: 22);
        var bytes = packet.ToArray();

        Assert.Empty(packet.Support);
        Assert.Equal(2, bytes[2]);
        Assert.Equal(0, bytes[^5]);
        var decoded = FingerprintPacket.Decode(bytes);
        PacketSamples.AssertSame(packet, decoded);
        Assert.Empty(decoded.Support);
    }

    [Fact]
    public void Encode_Support_WritesFrameGroupsOfWholeBinSteps()
    {
        Peak[] support = [new(100, 38 * 16), new(100, 200 * 16), new(103, 4095 * 16)];
        var bytes = new FingerprintPacket("s", 0, 0, StartFrame, 10, [], support: support).ToArray();

        // 2 groups | frame +0, 2 peaks: bin 38, step 162 (varint A2 01) | frame +3, 1 peak: bin 4095 (varint FF 1F)
        byte[] expected = [2, 0, 2, 0x26, 0xA2, 0x01, 3, 1, 0xFF, 0x1F];
        Assert.Equal(expected, bytes[^(expected.Length + 4)..^4]);
    }

    [Fact]
    public void Decode_HandBuiltSupportSection_ReadsAbsoluteFramesAndBin16()
    {
        var packet = FingerprintPacket.Decode(WithSupportSection([2, 0, 2, 0x26, 0xA2, 0x01, 3, 1, 0xFF, 0x1F]));

        Assert.Equal([new(100, 38 * 16), new(100, 200 * 16), new(103, 4095 * 16)], packet.Support.ToArray());
    }

    [Fact]
    public void Decode_Format1Packet_HasNoSupportAndReencodesAsFormat2()
    {
        // Field by field, as a version 1 agent sends it: station "ab", two peaks, no support section before the CRC.
        var v1 = new byte[46];
        "ZF"u8.CopyTo(v1);
        v1[2] = 1;
        v1[3] = (byte)FingerprintPacketFlags.GapBefore;
        BinaryPrimitives.WriteUInt16LittleEndian(v1.AsSpan(4), 7);
        v1[6] = 2;
        "ab"u8.CopyTo(v1.AsSpan(7));
        BinaryPrimitives.WriteUInt64LittleEndian(v1.AsSpan(9), 9);
        BinaryPrimitives.WriteInt64LittleEndian(v1.AsSpan(17), PacketSamples.CaptureStart);
        BinaryPrimitives.WriteInt64LittleEndian(v1.AsSpan(25), StartFrame);
        BinaryPrimitives.WriteUInt16LittleEndian(v1.AsSpan(33), 10);
        BinaryPrimitives.WriteUInt16LittleEndian(v1.AsSpan(35), 2);
        byte[] peaks = [0, 5, 3, 0xC8, 0x01]; // (frame +0, bin16 5), (frame +3, bin16 200)
        peaks.CopyTo(v1.AsSpan(37));
        PacketSamples.WithFixedCrc(v1);

        var packet = FingerprintPacket.Decode(v1);

        Assert.Equal("ab", packet.StationId);
        Assert.Equal(9UL, packet.Sequence);
        Assert.Equal(7, packet.AlgorithmVersion);
        Assert.Equal(FingerprintPacketFlags.GapBefore, packet.Flags);
        Assert.Equal(PacketSamples.CaptureStart, packet.CaptureStartUnixMicros);
        Assert.Equal(StartFrame, packet.StartFrame);
        Assert.Equal(10, packet.FrameCount);
        Assert.Equal([new(100, 5), new(103, 200)], packet.Peaks.ToArray());
        Assert.Empty(packet.Support);
        Assert.False(packet.CarriesSupport);
        Assert.True(FingerprintPacket.Decode(packet.ToArray()).CarriesSupport);
        Assert.Equal(FingerprintPacket.CurrentFormatVersion, packet.FormatVersion);
        Assert.Equal(v1.Length + 1, packet.GetEncodedSize());
        Assert.Equal(PacketSamples.UpgradeFormat1(v1), packet.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public void Decode_UnknownFormatVersion_NamesTheSupportedOnes(byte version)
    {
        var bytes = PacketSamples.Realistic(seed: 23).ToArray();
        bytes[2] = version;

        Assert.False(FingerprintPacket.TryDecode(PacketSamples.WithFixedCrc(bytes), out _, out var error));
        Assert.Equal($"Unsupported packet format version {version} (supported: 1, 2).", error);
    }

    public static TheoryData<string, byte[], string> SupportCorruptions => new()
    {
        { "no group count", [], "Support section: truncated or malformed group count." },
        { "overlong group count", [0x80, 0x00], "Support section: truncated or malformed group count." },
        { "group count beyond bytes", [5, 0, 1, 38], "Support group count 5 needs at least 15 bytes; only 3 remain." },
        { "malformed frame delta", [1, 0x80, 0x80, 0x80, 0x80], "Support group 0: truncated or malformed frame delta." },
        { "frame delta 0 after the first group", [2, 0, 1, 38, 0, 1, 40], "Support group 1: frame delta 0" },
        { "frame past the packet", [1, 0x80, 0x02, 1, 38], "Support group 0 at frame 356 lies past the packet's frames [100, 356)." },
        { "later frame past the packet", [2, 10, 1, 38, 0xF6, 0x01, 1, 38], "Support group 1 at frame 356 lies past" },
        { "no peak count", [2, 0, 3, 38, 1, 1, 1], "Support group 1: truncated before its peak count." },
        { "peak count 0", [1, 0, 0, 38], "Support group 0: peak count 0" },
        { "peak count beyond bytes", [1, 0, 5, 38, 39], "Support group 0: 5 peaks need at least 5 bytes; only 2 remain." },
        { "truncated bin", [1, 0, 2, 38, 0x80], "Support group 0, peak 1: truncated or malformed bin varint." },
        { "overlong bin", [1, 0, 1, 0x80, 0x00], "Support group 0, peak 0: truncated or malformed bin varint." },
        { "bin delta 0", [1, 0, 2, 38, 0], "Support group 0, peak 1: bin delta 0" },
        { "bin above 4095", [1, 0, 1, 0x80, 0x20], "Support group 0, peak 0: bin 4096 exceeds 4095." },
        { "bin steps past 4095", [1, 0, 2, 0xFF, 0x1F, 1], "Support group 0, peak 1: bin 4096 exceeds 4095." },
        { "trailing byte", [0, 7], "1 unexpected trailing bytes" },
        { "trailing byte after a group", [1, 0, 1, 38, 0], "1 unexpected trailing bytes" },
    };

    [Theory]
    [MemberData(nameof(SupportCorruptions))]
    public void Decode_BadSupportSection_FailsWithReason(string what, byte[] section, string reason)
    {
        var bytes = WithSupportSection(section);

        Assert.False(FingerprintPacket.TryDecode(bytes, out var packet, out var error), what);
        Assert.Null(packet);
        Assert.True(error.Contains(reason, StringComparison.Ordinal), $"{what}: {error}");
        Assert.Equal(error, Assert.Throws<WirePacketException>(() => FingerprintPacket.Decode(bytes)).Message);
    }

    [Fact]
    public void Decode_MoreSupportPeaksThanTheLimit_Rejected()
    {
        // Frames of 255 peaks on bins 1..255 (one byte each) until the total passes MaxSupportCount.
        const int groups = (FingerprintPacket.MaxSupportCount / 255) + 1;
        List<byte> section = [groups];
        for (var g = 0; g < groups; g++)
        {
            section.Add(g == 0 ? (byte)0 : (byte)1);
            section.Add(255);
            section.AddRange(Enumerable.Repeat((byte)1, 255));
        }

        Assert.False(FingerprintPacket.TryDecode(WithSupportSection([.. section]), out _, out var error));
        Assert.Equal($"Support peak count exceeds {FingerprintPacket.MaxSupportCount} at group {groups - 1}.", error);
    }

    public static TheoryData<string, Peak[], string> BadSupport => new()
    {
        { "part of a bin", [new(100, 17)], "Support peak 0: Bin16 17 is not a whole bin" },
        { "same bin twice", [new(100, 32), new(100, 32)], "Support peak 1: Bin16 32 does not rise" },
        { "falling bins", [new(100, 64), new(100, 32)], "Support peak 1: Bin16 32 does not rise" },
        { "frames out of order", [new(101, 32), new(100, 32)], "Support peak 1 at frame 100 comes before" },
        { "before the start frame", [new(99, 32)], "Support peak 0 at frame 99 comes before" },
        { "past the packet", [new(101, 32), new(356, 32)], "Support peak 1 at frame 356 lies past" },
        { "256 in one frame", [.. Enumerable.Range(0, 256).Select(i => new Peak(101, (ushort)(i * 16)))], "Frame 101 has 256 support peaks; at most 255" },
        {
            "more than MaxSupportCount",
            [.. Enumerable.Range(0, FingerprintPacket.MaxSupportCount + 1).Select(i => new Peak(StartFrame + (i / 100), (ushort)(i % 100 * 16)))],
            "Support peak count 16385 exceeds 16384."
        },
    };

    [Theory]
    [MemberData(nameof(BadSupport))]
    public void Constructor_BadSupport_ThrowsWithReason(string what, Peak[] support, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, StartFrame, FrameCount, [], support: support));

        Assert.Equal("support", ex.ParamName);
        Assert.True(ex.Message.Contains(reason, StringComparison.Ordinal), $"{what}: {ex.Message}");
    }

    [Fact]
    public void GetEncodedSize_RandomSupport_MatchesEncodedBytes()
    {
        var random = new Random(20260301);
        for (var i = 0; i < 200; i++)
        {
            // Sparse frames for frame deltas of two varint bytes, bins uniform over the band for two-byte bin steps.
            var startFrame = random.Next(1_000_000);
            var frameCount = random.Next(1, 1000);
            var stride = random.Next(1, 300);
            var support = PacketSamples.RandomSupport(random, startFrame, frameCount).Where(p => p.Frame % stride == 0).ToArray();
            var packet = new FingerprintPacket("s", (ulong)i, 0, startFrame, frameCount, [], support: support);

            var bytes = packet.ToArray();

            Assert.Equal(bytes.Length, packet.GetEncodedSize());
            PacketSamples.AssertSame(packet, FingerprintPacket.Decode(bytes));
        }
    }

    [Fact]
    public void Encode_TwoSecondsOfSpreadSupport_SectionUnder450Bytes()
    {
        // 62 frames (2 s) × 5 peaks spread over the analysis band: around evenly spaced centres, ±20 bins, so every
        // bin step stays under 128 and takes one varint byte. Peaks placed uniformly at random instead cost about
        // 495 bytes, since a first bin or a step of 128 or more takes two.
        const int frames = 62;
        const int perFrame = 5;
        const double spacing = (FrameAnalyzer.MaxBin - 1 - FrameAnalyzer.MinBin) / (double)perFrame;
        var random = new Random(20260302);
        var support = new List<Peak>();
        for (var f = 0; f < frames; f++)
        {
            for (var j = 0; j < perFrame; j++)
            {
                var bin = FrameAnalyzer.MinBin + (int)((j + 0.5) * spacing) + random.Next(-20, 21);
                support.Add(new Peak(StartFrame + f, (ushort)(bin * 16)));
            }
        }

        var withSupport = new FingerprintPacket(PacketSamples.Station, 0, 0, StartFrame, frames, [], support: [.. support]);
        var withoutSupport = new FingerprintPacket(PacketSamples.Station, 0, 0, StartFrame, frames, []);

        // The packet without support still carries the one-byte empty section.
        var sectionBytes = withSupport.GetEncodedSize() - withoutSupport.GetEncodedSize() + 1;
        output.WriteLine($"{support.Count} support peaks over {frames} frames: {sectionBytes} bytes, {sectionBytes / 2.0:F1} B/s");
        Assert.True(sectionBytes < 450, $"{sectionBytes} bytes");
    }

    // A packet with one landmark over frames [StartFrame, StartFrame + FrameCount), its support section replaced by
    // section and the CRC resealed, so the decoder reaches the support checks.
    private static byte[] WithSupportSection(byte[] section)
    {
        var bytes = new FingerprintPacket(PacketSamples.Station, 1, PacketSamples.CaptureStart, StartFrame, FrameCount, [new Peak(StartFrame, 5)]).ToArray();
        return PacketSamples.WithFixedCrc([.. bytes[..^5], .. section, 0, 0, 0, 0]);
    }
}
