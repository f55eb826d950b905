using System.Buffers.Binary;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

/// <summary>Deterministic packets for wire tests.</summary>
internal static class PacketSamples
{
    public const string Station = "radio-accra_fm.1";

    // 2026-01-01T00:00:00Z
    public const long CaptureStart = 1_767_225_600_000_000;

    /// <summary>
    /// A packet like an agent sends: <paramref name="seconds"/> of audio, ~30 peaks per second, and with
    /// <paramref name="withSupport"/> ~140 support peaks per second.
    /// </summary>
    public static FingerprintPacket Realistic(int seed, double seconds = 2.0, long startFrame = 1_000_000, bool withSupport = false)
    {
        var random = new Random(seed);
        var frameCount = (int)Math.Round(seconds * FingerprintSettings.FramesPerSecond);
        var peakCount = (int)Math.Round(seconds * 30);
        var peaks = new Peak[peakCount];
        for (var i = 0; i < peakCount; i++)
        {
            // Uniform over the whole spectrum: a pessimistic case for the bin varints.
            peaks[i] = new Peak((int)startFrame + random.Next(frameCount), (ushort)random.Next(8192));
        }

        Array.Sort(peaks, (a, b) => a.Frame.CompareTo(b.Frame));
        var support = withSupport ? RandomSupport(random, startFrame, frameCount) : [];
        return new FingerprintPacket(Station, 42, CaptureStart, startFrame, frameCount, peaks, support: support);
    }

    /// <summary>
    /// Support peaks as a support picker emits them: 0..9 per frame (some frames have none), on distinct whole bins of
    /// the analysis band in increasing order. Bins uniform over the band, a pessimistic case for the bin steps.
    /// </summary>
    public static Peak[] RandomSupport(Random random, long startFrame, int frameCount)
    {
        var support = new List<Peak>();
        for (var frame = (int)startFrame; frame < startFrame + frameCount; frame++)
        {
            var bins = new SortedSet<int>();
            var count = random.Next(10);
            while (bins.Count < count)
            {
                bins.Add(random.Next(FrameAnalyzer.MinBin, FrameAnalyzer.MaxBin));
            }

            support.AddRange(bins.Select(bin => new Peak(frame, (ushort)(bin * 16))));
        }

        return [.. support];
    }

    /// <summary>The format 1 encoding of a packet without support peaks: no support section, format byte 1.</summary>
    public static byte[] ToFormat1(FingerprintPacket packet)
    {
        Assert.Empty(packet.Support);
        var bytes = packet.ToArray();
        byte[] format1 = [.. bytes[..^5], 0, 0, 0, 0]; // drops the empty support section (one zero byte)
        format1[2] = 1;
        return WithFixedCrc(format1);
    }

    /// <summary>What a decoded format 1 packet re-encodes as: format byte 2 and an empty support section.</summary>
    public static byte[] UpgradeFormat1(byte[] format1)
    {
        byte[] bytes = [.. format1[..^4], 0, 0, 0, 0, 0];
        bytes[2] = FingerprintPacket.CurrentFormatVersion;
        return WithFixedCrc(bytes);
    }

    /// <summary>Recomputes the trailing CRC so a test reaches the field checks behind it.</summary>
    public static byte[] WithFixedCrc(byte[] bytes)
    {
        if (bytes.Length >= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        }

        return bytes;
    }

    public static void AssertSame(FingerprintPacket expected, FingerprintPacket actual)
    {
        Assert.Equal(expected.FormatVersion, actual.FormatVersion);
        Assert.Equal(expected.AlgorithmVersion, actual.AlgorithmVersion);
        Assert.Equal(expected.StationId, actual.StationId);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.CaptureStartUnixMicros, actual.CaptureStartUnixMicros);
        Assert.Equal(expected.StartFrame, actual.StartFrame);
        Assert.Equal(expected.FrameCount, actual.FrameCount);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.Peaks.ToArray(), actual.Peaks.ToArray());
        Assert.Equal(expected.Support.ToArray(), actual.Support.ToArray());
        Assert.Equal(expected.GetEncodedSize(), actual.GetEncodedSize());
    }
}
