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

        if (s[2] != CurrentFormatVersion)
        {
            return $"Unsupported packet format version {s[2]} (supported: {CurrentFormatVersion}).";
        }

        if (s.Length < FixedHeaderSize + 1 + CrcSize)
        {
            return $"Truncated packet: {s.Length} bytes, at least {FixedHeaderSize + 1 + CrcSize} needed.";
        }

        var body = s[..^CrcSize];
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(s[^CrcSize..]);
        var actualCrc = Crc32.Compute(body);
        if (storedCrc != actualCrc)
        {
            return $"CRC mismatch (stored 0x{storedCrc:X8}, computed 0x{actualCrc:X8}): packet corrupted or truncated.";
        }

        return ParseBody(body, out packet);
    }

    private static string? ParseBody(ReadOnlySpan<byte> body, out FingerprintPacket? packet)
    {
        packet = null;
        var flags = (FingerprintPacketFlags)body[3];
        var algorithmVersion = BinaryPrimitives.ReadUInt16LittleEndian(body[4..]);
        int idLength = body[6];
        if (idLength is < 1 or > StationIds.MaxLength)
        {
            return $"Station id length {idLength} is outside 1..{StationIds.MaxLength}.";
        }

        if (body.Length < FixedHeaderSize + idLength)
        {
            return $"Truncated packet: header with a {idLength}-byte station id needs {FixedHeaderSize + idLength + CrcSize} bytes.";
        }

        var idBytes = body.Slice(7, idLength);
        if (!StationIds.IsValid(idBytes))
        {
            return "Station id contains characters outside [A-Za-z0-9_.-].";
        }

        var pos = 7 + idLength;
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(body[pos..]);
        var captureStart = BinaryPrimitives.ReadInt64LittleEndian(body[(pos + 8)..]);
        var startFrame = BinaryPrimitives.ReadInt64LittleEndian(body[(pos + 16)..]);
        int frameCount = BinaryPrimitives.ReadUInt16LittleEndian(body[(pos + 24)..]);
        int peakCount = BinaryPrimitives.ReadUInt16LittleEndian(body[(pos + 26)..]);
        pos += 28;

        var error = ValidateHeader(algorithmVersion, flags, captureStart, startFrame, frameCount, peakCount);
        if (error is not null)
        {
            return error;
        }

        // Bound the allocation by what the bytes can actually hold before trusting the count.
        if ((long)peakCount * MinPeakSize > body.Length - pos)
        {
            return $"Peak count {peakCount} needs at least {peakCount * MinPeakSize} bytes; only {body.Length - pos} remain.";
        }

        var peaks = peakCount == 0 ? [] : new Peak[peakCount];
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
            error = ValidatePeakFrame(i, frame, previous, startFrame, frameCount);
            if (error is not null)
            {
                return error;
            }

            peaks[i] = new Peak((int)frame, (ushort)bin);
            previous = frame;
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
            body.Length + CrcSize);
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
