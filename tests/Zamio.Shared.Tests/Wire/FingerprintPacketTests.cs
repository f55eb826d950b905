using System.Buffers.Binary;
using Zamio.Shared.Fingerprinting;
using Xunit.Abstractions;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

public class FingerprintPacketTests(ITestOutputHelper output)
{
    // Offsets in a packet for PacketSamples.Station.
    private const int IdOffset = 7;
    private const int SequenceOffset = IdOffset + 16;
    private const int TimeOffset = SequenceOffset + 8;
    private const int StartFrameOffset = TimeOffset + 8;
    private const int FrameCountOffset = StartFrameOffset + 8;
    private const int PeakCountOffset = FrameCountOffset + 2;
    private const int PeaksOffset = PeakCountOffset + 2;

    [Fact]
    public void Decode_EncodedPacket_RoundTripsAllFields()
    {
        var peaks = new[] { new Peak(100, 0), new Peak(100, 127), new Peak(101, 128), new Peak(355, ushort.MaxValue) };
        var packet = new FingerprintPacket(
            "st-1", ulong.MaxValue, PacketSamples.CaptureStart, 100, 256, peaks,
            FingerprintPacketFlags.GapBefore | FingerprintPacketFlags.Silence, algorithmVersion: 7);

        var bytes = packet.ToArray();
        var decoded = FingerprintPacket.Decode(bytes);

        PacketSamples.AssertSame(packet, decoded);
        Assert.Equal(bytes.Length, packet.GetEncodedSize());
        Assert.Equal(bytes, decoded.ToArray());
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), decoded.CaptureStart);
    }

    [Fact]
    public void Decode_RealisticPacket_RoundTrips()
    {
        var packet = PacketSamples.Realistic(seed: 1);
        PacketSamples.AssertSame(packet, FingerprintPacket.Decode(packet.ToArray()));
    }

    [Fact]
    public void Decode_NoPeaks_RoundTrips()
    {
        var packet = new FingerprintPacket("quiet", 0, 0, 0, 125, [], FingerprintPacketFlags.Silence);
        var decoded = FingerprintPacket.Decode(packet.ToArray());
        PacketSamples.AssertSame(packet, decoded);
        Assert.Empty(decoded.Peaks);
    }

    [Fact]
    public void Encode_RealisticTwoSecondPackets_StayUnder200BytesPerSecond()
    {
        // Average over many seeds; add MQTT 5 QoS 1 PUBLISH overhead: fixed header (1) + remaining length (2)
        // + topic length (2) + topic + packet id (2) + property length (1).
        var topicBytes = Topics.Fingerprints(PacketSamples.Station).Length;
        const int packets = 200;
        long total = 0;
        for (var seed = 0; seed < packets; seed++)
        {
            total += PacketSamples.Realistic(seed).ToArray().Length + 1 + 2 + 2 + topicBytes + 2 + 1;
        }

        var bytesPerSecond = total / (packets * 2.0);
        output.WriteLine($"{bytesPerSecond:F1} B/s including MQTT framing; packet alone {PacketSamples.Realistic(0).ToArray().Length} bytes");
        Assert.True(bytesPerSecond < 200, $"{bytesPerSecond:F1} B/s");
    }

    [Fact]
    public void GetMaxEncodedSize_WorstCasePacket_BoundsActualSizeAndStaysUnderLimit()
    {
        // Largest deltas first, then zeros; bins that need 3-byte varints.
        var peaks = new Peak[FingerprintPacket.MaxPeakCount];
        peaks[0] = new Peak(FingerprintPacket.MaxFrameCount - 1, ushort.MaxValue);
        for (var i = 1; i < peaks.Length; i++)
        {
            peaks[i] = peaks[0];
        }

        // A support group in every frame, each bin step two varint bytes (128 or more).
        const int perFrame = FingerprintPacket.MaxSupportCount / FingerprintPacket.MaxFrameCount;
        var support = new Peak[FingerprintPacket.MaxSupportCount];
        for (var i = 0; i < support.Length; i++)
        {
            support[i] = new Peak(i / perFrame, (ushort)((((i % perFrame) * 1000) + 128) * 16));
        }

        var id = new string('x', StationIds.MaxLength);
        var packet = new FingerprintPacket(id, 1, 1, 0, FingerprintPacket.MaxFrameCount, peaks, support: support);
        var max = FingerprintPacket.GetMaxEncodedSize(id.Length, peaks.Length, support.Length);

        output.WriteLine($"worst case {packet.GetEncodedSize()} bytes, bound {max}, limit {FingerprintPacket.MaxPacketSize}");
        Assert.True(packet.GetEncodedSize() <= max);
        Assert.True(max <= FingerprintPacket.MaxPacketSize);
        PacketSamples.AssertSame(packet, FingerprintPacket.Decode(packet.ToArray()));
    }

    [Fact]
    public void GetMaxEncodedSize_NoSupport_CountsTheEmptySupportSection()
    {
        var packet = new FingerprintPacket("s", 0, 0, 0, 1, []);
        Assert.Equal(packet.GetEncodedSize(), FingerprintPacket.GetMaxEncodedSize(1, 0, 0));
    }

    [Fact]
    public void Encode_DestinationTooSmall_ThrowsArgumentException()
    {
        var packet = PacketSamples.Realistic(seed: 2);
        Assert.Throws<ArgumentException>(() => packet.Encode(new byte[packet.GetEncodedSize() - 1]));
    }

    [Fact]
    public void Encode_LargerDestination_WritesExactSize()
    {
        var packet = PacketSamples.Realistic(seed: 3);
        var buffer = new byte[FingerprintPacket.MaxPacketSize];
        var written = packet.Encode(buffer);
        Assert.Equal(packet.ToArray(), buffer[..written]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("space here")]
    [InlineData("ü")]
    public void Constructor_InvalidStationId_Throws(string stationId)
    {
        Assert.Throws<ArgumentException>(() => new FingerprintPacket(stationId, 0, 0, 0, 10, []));
    }

    [Fact]
    public void Constructor_StationIdTooLong_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FingerprintPacket(new string('a', 65), 0, 0, 0, 10, []));
    }

    [Theory]
    [InlineData(-1L, 0L, 10, "Capture start")]
    [InlineData(FingerprintPacket.MaxUnixMicros + 1, 0L, 10, "Capture start")]
    [InlineData(0L, -1L, 10, "Start frame")]
    [InlineData(0L, (long)int.MaxValue, 2, "Start frame")]
    [InlineData(0L, 0L, 0, "Frame count")]
    [InlineData(0L, 0L, FingerprintPacket.MaxFrameCount + 1, "Frame count")]
    public void Constructor_InvalidHeaderField_ThrowsWithReason(long time, long startFrame, int frameCount, string reason)
    {
        var ex = Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, time, startFrame, frameCount, []));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UndefinedFlagOrAlgorithmZero_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, 0, 10, [], (FingerprintPacketFlags)0x80));
        Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, 0, 10, [], algorithmVersion: 0));
    }

    [Fact]
    public void Constructor_PeaksOutOfOrderOrRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, 10, 10, [new(12, 1), new(11, 1)]));
        Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, 10, 10, [new(9, 1)]));
        Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, 10, 10, [new(20, 1)]));
        Assert.Throws<ArgumentException>(() => new FingerprintPacket("s", 0, 0, 0, 10, new Peak[FingerprintPacket.MaxPeakCount + 1]));
    }

    [Fact]
    public void TryDecode_Empty_SaysSo()
    {
        Assert.False(FingerprintPacket.TryDecode([], out _, out var error));
        Assert.Equal("Empty packet.", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Decode_AnyTruncation_ThrowsWirePacketException(bool withSupport)
    {
        var bytes = PacketSamples.Realistic(seed: 4, withSupport: withSupport).ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<WirePacketException>(() => FingerprintPacket.Decode(bytes.AsSpan(0, length)));
            Assert.False(FingerprintPacket.TryDecode(bytes.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);

            // Truncated and re-sealed with a valid CRC: the field checks must catch it too.
            if (length >= 4)
            {
                var resealed = PacketSamples.WithFixedCrc(bytes[..length]);
                Assert.False(FingerprintPacket.TryDecode(resealed, out _, out _), $"length {length}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryReadPlace_EncodedPacket_SameSequenceAndStreamStartAsDecoding(bool withSupport)
    {
        for (var seed = 10; seed < 30; seed++)
        {
            var bytes = PacketSamples.Realistic(seed, withSupport: withSupport).ToArray();
            var decoded = FingerprintPacket.Decode(bytes);

            Assert.True(FingerprintPacket.TryReadPlace(bytes, out var sequence, out var streamStart));
            Assert.Equal((decoded.Sequence, decoded.StreamStartUnixMicros), (sequence, streamStart));
        }
    }

    [Fact]
    public void TryReadPlace_TruncatedOrCorrupted_False()
    {
        var bytes = PacketSamples.Realistic(seed: 7).ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(FingerprintPacket.TryReadPlace(bytes.AsSpan(0, length), out _, out _), $"length {length}");
        }

        bytes[SequenceOffset] ^= 0x01;
        Assert.False(FingerprintPacket.TryReadPlace(bytes, out _, out _));
        Assert.True(FingerprintPacket.TryReadPlace(PacketSamples.WithFixedCrc(bytes), out var sequence, out _));
        Assert.Equal(FingerprintPacket.Decode(PacketSamples.WithFixedCrc(bytes)).Sequence, sequence);
    }

    [Fact]
    public void Decode_OverSizeLimit_RejectedBeforeParsing()
    {
        var bytes = new byte[FingerprintPacket.MaxPacketSize + 1];
        bytes[0] = (byte)'Z';
        bytes[1] = (byte)'F';
        bytes[2] = 1;
        var ex = Assert.Throws<WirePacketException>(() => FingerprintPacket.Decode(bytes));
        Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_FlippedBit_FailsCrc()
    {
        var bytes = PacketSamples.Realistic(seed: 5).ToArray();
        bytes[PeaksOffset + 3] ^= 0x10;
        var ex = Assert.Throws<WirePacketException>(() => FingerprintPacket.Decode(bytes));
        Assert.Contains("CRC", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TrailingBytes_Rejected()
    {
        var bytes = PacketSamples.Realistic(seed: 6).ToArray();
        var longer = new byte[bytes.Length + 1];
        bytes.AsSpan(0, bytes.Length - 4).CopyTo(longer);
        var ex = Assert.Throws<WirePacketException>(() => FingerprintPacket.Decode(PacketSamples.WithFixedCrc(longer)));
        Assert.Contains("trailing", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Action<byte[]>, string> FieldCorruptions => new()
    {
        { "magic", b => b[0] = (byte)'X', "magic" },
        { "format version", b => b[2] = 3, "format version 3" },
        { "undefined flag", b => b[3] = 0x04, "flag" },
        { "algorithm version 0", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 0), "Algorithm" },
        { "station id length 0", b => b[6] = 0, "Station id length" },
        { "station id length 65", b => b[6] = 65, "Station id length" },
        { "station id char", b => b[IdOffset + 3] = (byte)'/', "Station id" },
        { "station id non-ascii", b => b[IdOffset] = 0xC3, "Station id" },
        { "time negative", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(TimeOffset), -1), "Capture start" },
        { "time past 9999", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(TimeOffset), long.MaxValue), "Capture start" },
        { "start frame negative", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(StartFrameOffset), -5), "Start frame" },
        { "start frame beyond int", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(StartFrameOffset), int.MaxValue), "Start frame" },
        { "frame count 0", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FrameCountOffset), 0), "Frame count" },
        { "frame count too big", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FrameCountOffset), 4097), "Frame count" },
        { "frame count too small for peaks", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FrameCountOffset), 1), "lies past" },
        { "peak count too big", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(PeakCountOffset), 4097), "Peak count" },
        { "peak count beyond bytes", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(PeakCountOffset), 4000), "remain" },
        { "peak count short", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(PeakCountOffset), 59), "Support group 0" }, // the last peak read as support
        { "peak delta too big", b => b[PeaksOffset] = 0x7F, "lies past" },
        { "crc", b => b[^1] ^= 0xFF, "CRC" },
    };

    [Theory]
    [MemberData(nameof(FieldCorruptions))]
    public void Decode_CorruptedField_ThrowsWithReason(string field, Action<byte[]> corrupt, string reason)
    {
        var bytes = PacketSamples.Realistic(seed: 7).ToArray();
        corrupt(bytes);
        if (field != "crc")
        {
            PacketSamples.WithFixedCrc(bytes);
        }

        var ex = Assert.Throws<WirePacketException>(() => FingerprintPacket.Decode(bytes));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.False(FingerprintPacket.TryDecode(bytes, out var packet, out var error));
        Assert.Null(packet);
        Assert.Equal(ex.Message, error);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x00 })] // overlong zero
    [InlineData(new byte[] { 0x81, 0x80, 0x00 })] // overlong one
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x01 })] // longer than 3 bytes
    [InlineData(new byte[] { 0xFF, 0xFF, 0x7F })] // bin above ushort range (as bin)
    public void Decode_MalformedVarint_Rejected(byte[] bin)
    {
        // One peak at StartFrame: delta 0, then the given bin bytes.
        var prefix = new FingerprintPacket(PacketSamples.Station, 1, 1, 0, 10, [new Peak(0, 1)]).ToArray();
        var bytes = prefix[..(PeaksOffset + 1)].Concat(bin).Concat(new byte[4]).ToArray();
        Assert.False(FingerprintPacket.TryDecode(PacketSamples.WithFixedCrc(bytes), out _, out var error));
        Assert.Contains("Peak 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_NonDecreasingFramesWithinRange_Accepted()
    {
        var peaks = new[] { new Peak(10, 5), new Peak(10, 3), new Peak(19, 1) };
        var packet = FingerprintPacket.Decode(new FingerprintPacket("s", 0, 0, 10, 10, peaks).ToArray());
        Assert.Equal(peaks, packet.Peaks.ToArray());
    }

    [Fact]
    public void ToUnixMicros_RoundTripsThroughCaptureStart()
    {
        var time = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(12340);
        var packet = new FingerprintPacket("s", 0, FingerprintPacket.ToUnixMicros(time), 0, 1, []);
        Assert.Equal(time.UtcDateTime.AddTicks(-(time.UtcTicks % 10)), packet.CaptureStart.UtcDateTime);
    }
}
