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

    /// <summary>A packet like an agent sends: <paramref name="seconds"/> of audio, ~30 peaks per second.</summary>
    public static FingerprintPacket Realistic(int seed, double seconds = 2.0, long startFrame = 1_000_000)
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
        return new FingerprintPacket(Station, 42, CaptureStart, startFrame, frameCount, peaks);
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
        Assert.Equal(expected.GetEncodedSize(), actual.GetEncodedSize());
    }
}
