using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Wire;

/// <summary>
/// One agent-to-central packet: the spectral peaks of a stretch of a station's audio plus where that stretch sits
/// on the station's audio clock. Immutable; a constructed instance is always encodable.
/// </summary>
/// <remarks>
/// Wire layout, format version 1, little-endian:
/// <code>
///  "ZF" | u8 format | u8 flags | u16 algorithm | u8 idLen | id (ASCII) | u64 sequence | i64 captureStartUnixMicros
///  | i64 startFrame | u16 frameCount | u16 peakCount | peakCount × (varint frameDelta, varint bin16) | u32 crc32
/// </code>
/// Frame deltas start from <see cref="StartFrame"/>. Bin16 is a varint too: values below 16384 take at most two
/// bytes, so it is never larger than a fixed u16 for real bins (&lt; 8192) and one byte for the lowest bins.
/// The CRC-32 covers every byte before it.
/// </remarks>
public sealed partial class FingerprintPacket
{
    public const byte CurrentFormatVersion = 1;

    /// <summary>Largest frame span and peak count one packet may carry (over a minute of audio at the current hop size).</summary>
    public const int MaxFrameCount = 4096;

    public const int MaxPeakCount = 4096;

    /// <summary>Hard limit checked before any parsing. Version 1 packets never exceed ~20.6 KB.</summary>
    public const int MaxPacketSize = 64 * 1024;

    /// <summary>Latest representable capture time: 9999-12-31T23:59:59.999999Z.</summary>
    public const long MaxUnixMicros = 253_402_300_799_999_999;

    // Magic(2) + format(1) + flags(1) + algorithm(2) + idLen(1) + sequence(8) + time(8) + startFrame(8)
    // + frameCount(2) + peakCount(2); the station id bytes follow idLen.
    private const int FixedHeaderSize = 35;
    private const int CrcSize = 4;
    private const int MinPeakSize = 2;
    private const int MaxPeakSize = 5;
    private const byte Magic0 = (byte)'Z';
    private const byte Magic1 = (byte)'F';

    private readonly int _encodedSize;

    public FingerprintPacket(
        string stationId,
        ulong sequence,
        long captureStartUnixMicros,
        long startFrame,
        int frameCount,
        ReadOnlySpan<Peak> peaks,
        FingerprintPacketFlags flags = FingerprintPacketFlags.None,
        ushort algorithmVersion = FingerprintSettings.AlgorithmVersion)
    {
        StationIds.Validate(stationId, nameof(stationId));
        var error = ValidateHeader(algorithmVersion, flags, captureStartUnixMicros, startFrame, frameCount, peaks.Length);
        if (error is not null)
        {
            throw new ArgumentException(error);
        }

        var previous = startFrame;
        for (var i = 0; i < peaks.Length; i++)
        {
            error = ValidatePeakFrame(i, peaks[i].Frame, previous, startFrame, frameCount);
            if (error is not null)
            {
                throw new ArgumentException(error, nameof(peaks));
            }

            previous = peaks[i].Frame;
        }

        AlgorithmVersion = algorithmVersion;
        StationId = stationId;
        Sequence = sequence;
        CaptureStartUnixMicros = captureStartUnixMicros;
        StartFrame = startFrame;
        FrameCount = frameCount;
        Flags = flags;
        Peaks = [.. peaks];
        _encodedSize = ComputeEncodedSize(stationId.Length, startFrame, Peaks.AsSpan());
    }

    // Used by the decoder, which has validated every field already.
    private FingerprintPacket(
        ushort algorithmVersion,
        string stationId,
        ulong sequence,
        long captureStartUnixMicros,
        long startFrame,
        int frameCount,
        FingerprintPacketFlags flags,
        ImmutableArray<Peak> peaks,
        int encodedSize)
    {
        AlgorithmVersion = algorithmVersion;
        StationId = stationId;
        Sequence = sequence;
        CaptureStartUnixMicros = captureStartUnixMicros;
        StartFrame = startFrame;
        FrameCount = frameCount;
        Flags = flags;
        Peaks = peaks;
        _encodedSize = encodedSize;
    }

    public byte FormatVersion => CurrentFormatVersion;

    /// <summary>Fingerprint algorithm that produced the peaks (<see cref="FingerprintSettings.AlgorithmVersion"/>).</summary>
    public ushort AlgorithmVersion { get; }

    public string StationId { get; }

    /// <summary>Per-station, monotonically increasing; central uses it to drop redelivered packets.</summary>
    public ulong Sequence { get; }

    /// <summary>Audio-clock time of <see cref="StartFrame"/>, UTC, microseconds since the Unix epoch.</summary>
    public long CaptureStartUnixMicros { get; }

    public DateTimeOffset CaptureStart => DateTimeOffset.UnixEpoch.AddTicks(CaptureStartUnixMicros * 10);

    /// <summary>
    /// Audio-clock time of the stream's frame zero: the same for every packet of one agent stream (frames are a fixed
    /// 32 ms), later for the stream of a restarted agent.
    /// </summary>
    public long StreamStartUnixMicros => CaptureStartUnixMicros - (StartFrame * MicrosPerFrame);

    private const long MicrosPerFrame = 1_000_000L * FingerprintSettings.HopSize / FingerprintSettings.SampleRate;

    /// <summary>
    /// Absolute frame index since the agent's stream started; consecutive packets tile the frame axis, so a jump
    /// shows lost audio. Peaks carry absolute frames as <see cref="int"/>, so StartFrame + FrameCount must stay
    /// within int range (more than a year of continuous audio); agents start a new stream epoch before that.
    /// </summary>
    public long StartFrame { get; }

    /// <summary>Frames of audio covered: [StartFrame, StartFrame + FrameCount).</summary>
    public int FrameCount { get; }

    public FingerprintPacketFlags Flags { get; }

    /// <summary>Peaks with absolute frames, sorted by frame (non-decreasing).</summary>
    public ImmutableArray<Peak> Peaks { get; }

    public static long ToUnixMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>Upper bound of the encoded size of any packet with this station id length and peak count.</summary>
    public static int GetMaxEncodedSize(int stationIdLength, int peakCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stationIdLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stationIdLength, StationIds.MaxLength);
        ArgumentOutOfRangeException.ThrowIfNegative(peakCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(peakCount, MaxPeakCount);
        return FixedHeaderSize + stationIdLength + (peakCount * MaxPeakSize) + CrcSize;
    }

    /// <summary>Exact number of bytes <see cref="Encode"/> writes.</summary>
    public int GetEncodedSize() => _encodedSize;

    public byte[] ToArray()
    {
        var bytes = new byte[_encodedSize];
        Encode(bytes);
        return bytes;
    }

    /// <summary>Writes the packet and returns the number of bytes written.</summary>
    public int Encode(Span<byte> destination)
    {
        if (destination.Length < _encodedSize)
        {
            throw new ArgumentException(
                $"Destination has {destination.Length} bytes; the packet needs {_encodedSize}.", nameof(destination));
        }

        var d = destination[.._encodedSize];
        d[0] = Magic0;
        d[1] = Magic1;
        d[2] = CurrentFormatVersion;
        d[3] = (byte)Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], AlgorithmVersion);
        d[6] = (byte)StationId.Length;
        var pos = 7;
        foreach (var c in StationId)
        {
            d[pos++] = (byte)c; // validated ASCII
        }

        BinaryPrimitives.WriteUInt64LittleEndian(d[pos..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(d[(pos + 8)..], CaptureStartUnixMicros);
        BinaryPrimitives.WriteInt64LittleEndian(d[(pos + 16)..], StartFrame);
        BinaryPrimitives.WriteUInt16LittleEndian(d[(pos + 24)..], (ushort)FrameCount);
        BinaryPrimitives.WriteUInt16LittleEndian(d[(pos + 26)..], (ushort)Peaks.Length);
        pos += 28;

        var previous = StartFrame;
        foreach (var peak in Peaks)
        {
            pos += WriteVarUInt(d[pos..], (uint)(peak.Frame - previous));
            pos += WriteVarUInt(d[pos..], peak.Bin16);
            previous = peak.Frame;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(d[pos..], Crc32.Compute(d[..pos]));
        return _encodedSize;
    }

    /// <summary>Decodes a packet; throws <see cref="WirePacketException"/> (and nothing else) on invalid input.</summary>
    public static FingerprintPacket Decode(ReadOnlySpan<byte> source)
    {
        var error = Parse(source, out var packet);
        return error is null ? packet! : throw new WirePacketException(error);
    }

    /// <summary>Decodes a packet; never throws. On failure <paramref name="error"/> says what was wrong.</summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> source,
        [NotNullWhen(true)] out FingerprintPacket? packet,
        out string error)
    {
        var message = Parse(source, out packet);
        error = message ?? string.Empty;
        return message is null;
    }

    private static string? ValidateHeader(
        ushort algorithmVersion,
        FingerprintPacketFlags flags,
        long captureStartUnixMicros,
        long startFrame,
        int frameCount,
        int peakCount)
    {
        if (algorithmVersion == 0)
        {
            return "Algorithm version 0 is not valid.";
        }

        if ((flags & ~FingerprintPacketFlags.All) != 0)
        {
            return $"Undefined flag bits 0x{(byte)(flags & ~FingerprintPacketFlags.All):X2}.";
        }

        if (captureStartUnixMicros is < 0 or > MaxUnixMicros)
        {
            return $"Capture start time {captureStartUnixMicros} µs is outside 1970..9999.";
        }

        if (frameCount is < 1 or > MaxFrameCount)
        {
            return $"Frame count {frameCount} is outside 1..{MaxFrameCount}.";
        }

        if (startFrame < 0 || startFrame + frameCount > (long)int.MaxValue + 1)
        {
            return $"Start frame {startFrame} with {frameCount} frames does not fit the frame range 0..{int.MaxValue}.";
        }

        if (peakCount > MaxPeakCount)
        {
            return $"Peak count {peakCount} exceeds {MaxPeakCount}.";
        }

        return null;
    }

    private static string? ValidatePeakFrame(int index, long frame, long previous, long startFrame, int frameCount)
    {
        if (frame < previous)
        {
            return $"Peak {index} at frame {frame} comes before the previous peak or the start frame ({previous}).";
        }

        if (frame >= startFrame + frameCount)
        {
            return $"Peak {index} at frame {frame} lies past the packet's frames [{startFrame}, {startFrame + frameCount}).";
        }

        return null;
    }

    private static int ComputeEncodedSize(int stationIdLength, long startFrame, ReadOnlySpan<Peak> peaks)
    {
        var size = FixedHeaderSize + stationIdLength + CrcSize;
        var previous = startFrame;
        foreach (var peak in peaks)
        {
            size += VarUIntSize((uint)(peak.Frame - previous)) + VarUIntSize(peak.Bin16);
            previous = peak.Frame;
        }

        return size;
    }
}
