using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Wire;

/// <summary>
/// One agent-to-central packet: the spectral peaks (landmarks and support peaks) of a stretch of a station's audio
/// plus where that stretch sits on the station's audio clock. Immutable; a constructed instance is always encodable.
/// </summary>
/// <remarks>
/// Wire layout, format version 2, little-endian:
/// <code>
///  "ZF" | u8 format | u8 flags | u16 algorithm | u8 idLen | id (ASCII) | u64 sequence | i64 captureStartUnixMicros
///  | i64 startFrame | u16 frameCount | u16 peakCount | peakCount × (varint frameDelta, varint bin16)
///  | varint groupCount | groupCount × (varint frameDelta, u8 count, count × varint binDelta) | u32 crc32
/// </code>
/// Landmark frame deltas start from <see cref="StartFrame"/>. Bin16 is a varint too: values below 16384 take at most
/// two bytes, so it is never larger than a fixed u16 for real bins (&lt; 8192) and one byte for the lowest bins.
/// <para>
/// The support section groups <see cref="Support"/> by frame: one group per frame that has support peaks, in
/// increasing frame order. A group's frame delta is from the previous group's frame (the first group's from
/// <see cref="StartFrame"/>), so it is at least 1 after the first group; count is 1..255. Bins are whole bins
/// (Bin16 / 16): the first binDelta is the bin itself, each later one the step from the previous bin (at least 1).
/// </para>
/// <para>
/// Format version 1 is the same layout without the support section; it still decodes, with no support peaks.
/// The CRC-32 covers every byte before it.
/// </para>
/// </remarks>
public sealed partial class FingerprintPacket
{
    public const byte CurrentFormatVersion = 2;

    /// <summary>Largest frame span and peak count one packet may carry (over a minute of audio at the current hop size).</summary>
    public const int MaxFrameCount = 4096;

    public const int MaxPeakCount = 4096;

    /// <summary>
    /// Audio an agent puts in one packet unless told otherwise, and what <c>scan</c> feeds the stream matcher at a time, so
    /// its "reported" is when a live station would show a play. Between songs central decides at each second of audio once
    /// the packet holding it has arrived: 1 s packets show a new song about 0.5 s sooner at the 95th percentile than 2 s
    /// packets, for twice the packets (docs/perf-central.md section 25).
    /// </summary>
    public const double DefaultSeconds = 1;

    /// <summary>
    /// Most support peaks one packet may carry: 4 per frame over <see cref="MaxFrameCount"/> frames. The longest
    /// packet an agent sends (65 s) holds about 9,100 at the usual ~140 per second.
    /// </summary>
    /// <remarks>
    /// Not 32768: that many could take about 74 KB on their own, so a valid packet would no longer fit
    /// <see cref="MaxPacketSize"/>. At 16384 the largest valid packet stays under it (see <see cref="GetMaxEncodedSize"/>).
    /// </remarks>
    public const int MaxSupportCount = 16384;

    /// <summary>
    /// Hard limit checked before any parsing. No valid packet exceeds ~61.6 KB: the largest station id with
    /// <see cref="MaxPeakCount"/> landmarks and <see cref="MaxSupportCount"/> support peaks.
    /// </summary>
    public const int MaxPacketSize = 64 * 1024;

    /// <summary>Latest representable capture time: 9999-12-31T23:59:59.999999Z.</summary>
    public const long MaxUnixMicros = 253_402_300_799_999_999;

    // Magic(2) + format(1) + flags(1) + algorithm(2) + idLen(1) + sequence(8) + time(8) + startFrame(8)
    // + frameCount(2) + peakCount(2); the station id bytes follow idLen.
    private const int FixedHeaderSize = 35;
    private const int CrcSize = 4;
    private const int MinPeakSize = 2;
    private const int MaxPeakSize = 5;

    private const byte FormatVersion1 = 1;

    // Support peaks are ~140 per second against ~30 landmarks, so their encoding decides the uplink: the budget is
    // 500 B/s with landmarks at ~110. Grouped by frame, in whole bins as small steps, they cost about 200 B/s (2 bytes
    // a frame, 1 a peak while steps stay under 128); as landmark-style (frameDelta, bin16) pairs, ~420 B/s.
    private const int MaxSupportPerFrame = byte.MaxValue;
    private const int SupportBinScale = 16;

    // Whole bins whose Bin16 still fits a ushort.
    private const int MaxSupportBin = ushort.MaxValue / SupportBinScale;

    // A frame delta, a count and one bin; bin steps are below 2^14, so at most two varint bytes.
    private const int MinSupportGroupSize = 3;
    private const int MaxSupportPeakSize = 2;

    // Support group frame deltas sum to less than MaxFrameCount, so at most this many reach 128 and take a second byte.
    private const int MaxLongFrameDeltas = (MaxFrameCount - 1) / 128;
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
        ushort algorithmVersion = FingerprintSettings.AlgorithmVersion,
        ReadOnlySpan<Peak> support = default)
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
            error = ValidatePeakFrame("Peak", i, peaks[i].Frame, previous, startFrame, frameCount);
            if (error is not null)
            {
                throw new ArgumentException(error, nameof(peaks));
            }

            previous = peaks[i].Frame;
        }

        error = ValidateSupport(support, startFrame, frameCount);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(support));
        }

        AlgorithmVersion = algorithmVersion;
        StationId = stationId;
        Sequence = sequence;
        CaptureStartUnixMicros = captureStartUnixMicros;
        StartFrame = startFrame;
        FrameCount = frameCount;
        Flags = flags;
        Peaks = [.. peaks];
        Support = [.. support];
        _encodedSize = ComputeEncodedSize(stationId.Length, startFrame, Peaks.AsSpan(), Support.AsSpan());
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
        ImmutableArray<Peak> support,
        bool carriesSupport,
        int encodedSize)
    {
        CarriesSupport = carriesSupport;
        AlgorithmVersion = algorithmVersion;
        StationId = stationId;
        Sequence = sequence;
        CaptureStartUnixMicros = captureStartUnixMicros;
        StartFrame = startFrame;
        FrameCount = frameCount;
        Flags = flags;
        Peaks = peaks;
        Support = support;
        _encodedSize = encodedSize;
    }

    /// <summary>The format <see cref="Encode"/> writes: always the current one, also for a decoded version 1 packet.</summary>
    public byte FormatVersion => CurrentFormatVersion;

    /// <summary>
    /// Whether the sender picked support peaks: false only for a decoded version 1 packet, whose agent predates them
    /// (its empty <see cref="Support"/> says nothing about the audio).
    /// </summary>
    public bool CarriesSupport { get; } = true;

    /// <summary>Fingerprint algorithm that produced the peaks (<see cref="FingerprintSettings.AlgorithmVersion"/>).</summary>
    public ushort AlgorithmVersion { get; }

    public string StationId { get; }

    /// <summary>Per-station, monotonically increasing; central uses it to drop redelivered packets.</summary>
    public ulong Sequence { get; }

    /// <summary>Audio-clock time of <see cref="StartFrame"/>, UTC, microseconds since the Unix epoch.</summary>
    public long CaptureStartUnixMicros { get; }

    public DateTimeOffset CaptureStart => DateTimeOffset.UnixEpoch.AddTicks(CaptureStartUnixMicros * 10);

    /// <summary>Audio-clock time just after the packet's last frame.</summary>
    public DateTimeOffset CaptureEnd => TimeAfter(FrameCount);

    /// <summary>Audio-clock time <paramref name="frames"/> frames after <see cref="StartFrame"/>.</summary>
    public DateTimeOffset TimeAfter(long frames) => CaptureStart.AddTicks(frames * MicrosPerFrame * 10);

    /// <summary>
    /// Audio-clock time of the stream's frame zero: the same for every packet of one agent stream (frames are a fixed
    /// 32 ms), later for the stream of a restarted agent.
    /// </summary>
    public long StreamStartUnixMicros => StreamStartOf(CaptureStartUnixMicros, StartFrame);

    private static long StreamStartOf(long captureStartUnixMicros, long startFrame) => captureStartUnixMicros - (startFrame * MicrosPerFrame);

    /// <summary>One frame's length in microseconds (32 ms).</summary>
    public const long MicrosPerFrame = 1_000_000L * FingerprintSettings.HopSize / FingerprintSettings.SampleRate;

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

    /// <summary>
    /// Support peaks (<see cref="PeakPicker.ForSupport"/>) with absolute frames: frames non-decreasing, bins whole
    /// (Bin16 a multiple of 16) and strictly increasing within a frame, at most 255 per frame. Empty for a version 1
    /// packet.
    /// </summary>
    public ImmutableArray<Peak> Support { get; }

    public static long ToUnixMicros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>
    /// Upper bound of the encoded size of any packet with this station id length, landmark count and support peak count.
    /// </summary>
    public static int GetMaxEncodedSize(int stationIdLength, int peakCount, int supportCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stationIdLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stationIdLength, StationIds.MaxLength);
        ArgumentOutOfRangeException.ThrowIfNegative(peakCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(peakCount, MaxPeakCount);
        ArgumentOutOfRangeException.ThrowIfNegative(supportCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(supportCount, MaxSupportCount);
        return FixedHeaderSize + stationIdLength + (peakCount * MaxPeakSize) + GetMaxSupportSectionSize(supportCount) + CrcSize;
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

        pos += WriteSupport(d[pos..]);
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

    // kind is "Peak" or "Support peak": the messages name which list is wrong.
    private static string? ValidatePeakFrame(string kind, int index, long frame, long previous, long startFrame, int frameCount)
    {
        if (frame < previous)
        {
            return $"{kind} {index} at frame {frame} comes before the previous peak or the start frame ({previous}).";
        }

        if (frame >= startFrame + frameCount)
        {
            return $"{kind} {index} at frame {frame} lies past the packet's frames [{startFrame}, {startFrame + frameCount}).";
        }

        return null;
    }

    private static string? ValidateSupport(ReadOnlySpan<Peak> support, long startFrame, int frameCount)
    {
        if (support.Length > MaxSupportCount)
        {
            return $"Support peak count {support.Length} exceeds {MaxSupportCount}.";
        }

        var start = 0;
        while (start < support.Length)
        {
            var end = SupportGroupEnd(support, start);
            var previous = start == 0 ? startFrame : support[start - 1].Frame;
            var error = ValidatePeakFrame("Support peak", start, support[start].Frame, previous, startFrame, frameCount)
                ?? ValidateSupportGroup(support, start, end);
            if (error is not null)
            {
                return error;
            }

            start = end;
        }

        return null;
    }

    // The peaks of one frame, [start, end): whole bins, strictly increasing, few enough for the u8 count.
    private static string? ValidateSupportGroup(ReadOnlySpan<Peak> support, int start, int end)
    {
        if (end - start > MaxSupportPerFrame)
        {
            return $"Frame {support[start].Frame} has {end - start} support peaks; at most {MaxSupportPerFrame} fit one frame.";
        }

        for (var i = start; i < end; i++)
        {
            if (support[i].Bin16 % SupportBinScale != 0)
            {
                return $"Support peak {i}: Bin16 {support[i].Bin16} is not a whole bin (a multiple of {SupportBinScale}).";
            }

            if (i > start && support[i].Bin16 <= support[i - 1].Bin16)
            {
                return $"Support peak {i}: Bin16 {support[i].Bin16} does not rise above the previous peak's {support[i - 1].Bin16} in frame {support[i].Frame}.";
            }
        }

        return null;
    }

    // End (exclusive) of the run of support peaks that share the frame of support[start].
    private static int SupportGroupEnd(ReadOnlySpan<Peak> support, int start)
    {
        var end = start + 1;
        while (end < support.Length && support[end].Frame == support[start].Frame)
        {
            end++;
        }

        return end;
    }

    private int WriteSupport(Span<byte> d)
    {
        var support = Support.AsSpan();
        var pos = WriteVarUInt(d, (uint)CountSupportGroups(support));
        var previousFrame = StartFrame;
        var start = 0;
        while (start < support.Length)
        {
            var end = SupportGroupEnd(support, start);
            pos += WriteVarUInt(d[pos..], (uint)(support[start].Frame - previousFrame));
            d[pos++] = (byte)(end - start);
            var previousBin = 0;
            for (var i = start; i < end; i++)
            {
                var bin = support[i].Bin16 / SupportBinScale;
                pos += WriteVarUInt(d[pos..], (uint)(bin - previousBin));
                previousBin = bin;
            }

            previousFrame = support[start].Frame;
            start = end;
        }

        return pos;
    }

    private static int CountSupportGroups(ReadOnlySpan<Peak> support)
    {
        var groups = 0;
        for (var start = 0; start < support.Length; start = SupportGroupEnd(support, start))
        {
            groups++;
        }

        return groups;
    }

    private static int ComputeSupportSectionSize(long startFrame, ReadOnlySpan<Peak> support)
    {
        var size = VarUIntSize((uint)CountSupportGroups(support));
        var previousFrame = startFrame;
        var start = 0;
        while (start < support.Length)
        {
            var end = SupportGroupEnd(support, start);
            size += VarUIntSize((uint)(support[start].Frame - previousFrame)) + 1;
            var previousBin = 0;
            for (var i = start; i < end; i++)
            {
                var bin = support[i].Bin16 / SupportBinScale;
                size += VarUIntSize((uint)(bin - previousBin));
                previousBin = bin;
            }

            previousFrame = support[start].Frame;
            start = end;
        }

        return size;
    }

    // At most one group per frame and one per peak. A group costs its count byte and a frame delta of one byte, two
    // for the few long deltas; a peak at most MaxSupportPeakSize.
    private static int GetMaxSupportSectionSize(int supportCount)
    {
        var groups = Math.Min(supportCount, MaxFrameCount);
        return VarUIntSize((uint)groups) + (2 * groups) + Math.Min(groups, MaxLongFrameDeltas) + (supportCount * MaxSupportPeakSize);
    }

    private static int ComputeEncodedSize(int stationIdLength, long startFrame, ReadOnlySpan<Peak> peaks, ReadOnlySpan<Peak> support)
    {
        var size = FixedHeaderSize + stationIdLength + ComputeSupportSectionSize(startFrame, support) + CrcSize;
        var previous = startFrame;
        foreach (var peak in peaks)
        {
            size += VarUIntSize((uint)(peak.Frame - previous)) + VarUIntSize(peak.Bin16);
            previous = peak.Frame;
        }

        return size;
    }
}
