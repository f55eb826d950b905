using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Wire;

// Decoding of untrusted bytes. Every path returns an error message instead of throwing, so TryDecode is
// exception-free and a flood of garbage costs no exception unwinding. Order of checks: size bound, magic,
// version, CRC (cheap rejection of corruption), then each field, then exact length.
public sealed partial class FingerprintPacket
{
    private static string? Parse(ReadOnlySpan<byte> s, out FingerprintPacket? packet)
    {
        packet = null;
        return Unseal(s, out var body) ?? ParseBody(body, out packet);
    }

    /// <summary>
    /// A packet's place in its station's stream, read from its header alone: enough to put packets in order before they
    /// are decoded. False for a packet <see cref="TryDecode"/> rejects on its envelope or header.
    /// </summary>
    public static bool TryReadPlace(ReadOnlySpan<byte> source, out ulong sequence, out long streamStartUnixMicros)
    {
        (sequence, streamStartUnixMicros) = (0, 0);
        if (Unseal(source, out var body) is not null || ReadHeader(body, out var header) is not null)
        {
            return false;
        }

        sequence = header.Sequence;
        streamStartUnixMicros = StreamStartOf(header.CaptureStart, header.StartFrame);
        return true;
    }

    // The body inside a packet's envelope (magic, format version, size, CRC), or what is wrong with the envelope.
    private static string? Unseal(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> body)
    {
        body = default;
        if (s.Length > MaxPacketSize)
        {
            return $"Packet of {s.Length} bytes exceeds the {MaxPacketSize}-byte limit.";
        }

        if (s.IsEmpty)
        {
            return "Empty packet.";
        }

        if (s.Length < 2 || s[0] != Magic0 || s[1] != Magic1)
        {
            return "Not a fingerprint packet: missing \"ZF\" magic.";
        }

        if (s.Length < 3)
        {
            return "Truncated packet: no format version.";
        }

        if (s[2] is not (FormatVersion1 or CurrentFormatVersion))
        {
            return $"Unsupported packet format version {s[2]} (supported: {FormatVersion1}, {CurrentFormatVersion}).";
        }

        if (s.Length < FixedHeaderSize + 1 + CrcSize)
        {
            return $"Truncated packet: {s.Length} bytes, at least {FixedHeaderSize + 1 + CrcSize} needed.";
        }

        body = s[..^CrcSize];
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(s[^CrcSize..]);
        var actualCrc = Crc32.Compute(body);
        return storedCrc == actualCrc
            ? null
            : $"CRC mismatch (stored 0x{storedCrc:X8}, computed 0x{actualCrc:X8}): packet corrupted or truncated.";
    }

    // PeaksAt: where the peaks begin in the body, right after the fixed fields.
    private readonly record struct Header(
        FingerprintPacketFlags Flags, ushort AlgorithmVersion, int IdLength, ulong Sequence, long CaptureStart, long StartFrame,
        int FrameCount, int PeakCount, int PeaksAt);

    // The header after the envelope (the station id and the fixed fields), checked in the order decoding always has.
    private static string? ReadHeader(ReadOnlySpan<byte> body, out Header header)
    {
        header = default;
        int idLength = body[6];
        if (idLength is < 1 or > StationIds.MaxLength)
        {
            return $"Station id length {idLength} is outside 1..{StationIds.MaxLength}.";
        }

        if (body.Length < FixedHeaderSize + idLength)
        {
            return $"Truncated packet: header with a {idLength}-byte station id needs {FixedHeaderSize + idLength + CrcSize} bytes.";
        }

        if (!StationIds.IsValid(body.Slice(7, idLength)))
        {
            return "Station id contains characters outside [A-Za-z0-9_.-].";
        }

        var pos = 7 + idLength;
        header = new Header(
            (FingerprintPacketFlags)body[3],
            BinaryPrimitives.ReadUInt16LittleEndian(body[4..]),
            idLength,
            BinaryPrimitives.ReadUInt64LittleEndian(body[pos..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[(pos + 8)..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[(pos + 16)..]),
            BinaryPrimitives.ReadUInt16LittleEndian(body[(pos + 24)..]),
            BinaryPrimitives.ReadUInt16LittleEndian(body[(pos + 26)..]),
            pos + 28);
        return ValidateHeader(header.AlgorithmVersion, header.Flags, header.CaptureStart, header.StartFrame, header.FrameCount, header.PeakCount);
    }

    private static string? ParseBody(ReadOnlySpan<byte> body, out FingerprintPacket? packet)
    {
        packet = null;
        var error = ReadHeader(body, out var header);
        if (error is not null)
        {
            return error;
        }

        var (flags, algorithmVersion, idLength, sequence, captureStart, startFrame, frameCount, peakCount, pos) = header;
        var idBytes = body.Slice(7, idLength);

        error = ParsePeaks(body, ref pos, startFrame, frameCount, peakCount, out var peaks);
        if (error is not null)
        {
            return error;
        }

        var support = ImmutableArray<Peak>.Empty;
        var encodedSize = body.Length + CrcSize;
        if (body[2] == FormatVersion1)
        {
            // No support section; the packet re-encodes as the current format with an empty one.
            encodedSize += ComputeSupportSectionSize(startFrame, []);
        }
        else
        {
            error = ParseSupport(body, ref pos, startFrame, frameCount, out support);
            if (error is not null)
            {
                return error;
            }
        }

        if (pos != body.Length)
        {
            return $"{body.Length - pos} unexpected trailing bytes after the peaks.";
        }

        var stationId = string.Create(idLength, idBytes.ToArray(), static (chars, bytes) =>
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[i] = (char)bytes[i];
            }
        });
        packet = new FingerprintPacket(
            algorithmVersion,
            stationId,
            sequence,
            captureStart,
            startFrame,
            frameCount,
            flags,
            ImmutableCollectionsMarshal.AsImmutableArray(peaks),
            support,
            body[2] != FormatVersion1,
            encodedSize);
        return null;
    }

    private static string? ParsePeaks(
        ReadOnlySpan<byte> body, ref int pos, long startFrame, int frameCount, int peakCount, out Peak[] peaks)
    {
        peaks = [];

        // Bound the allocation by what the bytes can actually hold before trusting the count.
        if ((long)peakCount * MinPeakSize > body.Length - pos)
        {
            return $"Peak count {peakCount} needs at least {peakCount * MinPeakSize} bytes; only {body.Length - pos} remain.";
        }

        var parsed = peakCount == 0 ? [] : new Peak[peakCount];
        var previous = startFrame;
        for (var i = 0; i < peakCount; i++)
        {
            if (!TryReadVarUInt(body, ref pos, out var delta) || !TryReadVarUInt(body, ref pos, out var bin))
            {
                return $"Peak {i}: truncated or malformed varint.";
            }

            if (bin > ushort.MaxValue)
            {
                return $"Peak {i}: bin {bin} exceeds {ushort.MaxValue}.";
            }

            var frame = previous + delta;
            var error = ValidatePeakFrame("Peak", i, frame, previous, startFrame, frameCount);
            if (error is not null)
            {
                return error;
            }

            parsed[i] = new Peak((int)frame, (ushort)bin);
            previous = frame;
        }

        peaks = parsed;
        return null;
    }

    private static string? ParseSupport(
        ReadOnlySpan<byte> body, ref int pos, long startFrame, int frameCount, out ImmutableArray<Peak> support)
    {
        support = [];
        if (!TryReadVarUInt(body, ref pos, out var groupCount))
        {
            return "Support section: truncated or malformed group count.";
        }

        // Bound the work by what the bytes can actually hold before trusting the count; the peaks list then grows
        // only with peaks actually read.
        if ((long)groupCount * MinSupportGroupSize > body.Length - pos)
        {
            return $"Support group count {groupCount} needs at least {groupCount * MinSupportGroupSize} bytes; only {body.Length - pos} remain.";
        }

        var peaks = ImmutableArray.CreateBuilder<Peak>();
        var frame = startFrame;
        for (var g = 0; g < groupCount; g++)
        {
            var error = ParseSupportFrame(body, ref pos, g, startFrame, frameCount, ref frame)
                ?? ParseSupportBins(body, ref pos, g, (int)frame, peaks);
            if (error is not null)
            {
                return error;
            }
        }

        support = peaks.DrainToImmutable();
        return null;
    }

    // Reads group g's frame delta and advances frame (the previous group's frame, StartFrame before the first).
    private static string? ParseSupportFrame(
        ReadOnlySpan<byte> body, ref int pos, int g, long startFrame, int frameCount, ref long frame)
    {
        if (!TryReadVarUInt(body, ref pos, out var delta))
        {
            return $"Support group {g}: truncated or malformed frame delta.";
        }

        if (delta == 0 && g > 0)
        {
            return $"Support group {g}: frame delta 0 repeats the previous group's frame {frame}.";
        }

        frame += delta;
        if (frame >= startFrame + frameCount)
        {
            return $"Support group {g} at frame {frame} lies past the packet's frames [{startFrame}, {startFrame + frameCount}).";
        }

        return null;
    }

    private static string? ParseSupportBins(ReadOnlySpan<byte> body, ref int pos, int g, int frame, ImmutableArray<Peak>.Builder peaks)
    {
        if (pos >= body.Length)
        {
            return $"Support group {g}: truncated before its peak count.";
        }

        int count = body[pos++];
        if (count == 0)
        {
            return $"Support group {g}: peak count 0 (a group has at least one peak).";
        }

        if (peaks.Count + count > MaxSupportCount)
        {
            return $"Support peak count exceeds {MaxSupportCount} at group {g}.";
        }

        if (count > body.Length - pos)
        {
            return $"Support group {g}: {count} peaks need at least {count} bytes; only {body.Length - pos} remain.";
        }

        var bin = 0u;
        for (var i = 0; i < count; i++)
        {
            if (!TryReadVarUInt(body, ref pos, out var delta))
            {
                return $"Support group {g}, peak {i}: truncated or malformed bin varint.";
            }

            if (delta == 0 && i > 0)
            {
                return $"Support group {g}, peak {i}: bin delta 0 (bins rise strictly within a frame).";
            }

            bin += delta;
            if (bin > MaxSupportBin)
            {
                return $"Support group {g}, peak {i}: bin {bin} exceeds {MaxSupportBin}.";
            }

            peaks.Add(new Peak(frame, (ushort)(bin * SupportBinScale)));
        }

        return null;
    }

    // LEB128, at most 3 bytes (21 bits): enough for any delta (< 4096) and any ushort bin. Overlong forms
    // (a redundant trailing zero group) are rejected so every packet has exactly one encoding.
    private static bool TryReadVarUInt(ReadOnlySpan<byte> s, ref int pos, out uint value)
    {
        value = 0;
        for (var shift = 0; shift < 21; shift += 7)
        {
            if (pos >= s.Length)
            {
                return false;
            }

            var b = s[pos++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return shift == 0 || b != 0;
            }
        }

        return false;
    }

    private static int WriteVarUInt(Span<byte> d, uint value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            d[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        d[n++] = (byte)value;
        return n;
    }

    private static int VarUIntSize(uint value) => value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : 3;
}
