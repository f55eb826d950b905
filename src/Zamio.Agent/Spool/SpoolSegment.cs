using System.Buffers.Binary;
using System.Globalization;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Spool;

/// <summary>
/// An append-only segment file of framed records: <c>u32 length | u64 sequence | u32 crc32(sequence, payload) | payload</c>.
/// Named after its first sequence number, so segments sort in delivery order.
/// </summary>
internal sealed class SpoolSegment
{
    public const int HeaderSize = 16;
    public const int MaxPayload = 64 * 1024;
    private const string Prefix = "seg-";
    private const string Suffix = ".zsp";

    public SpoolSegment(string path, ulong firstSequence)
    {
        Path = path;
        FirstSequence = firstSequence;
        LastSequence = firstSequence - 1;
    }

    public string Path { get; }

    public ulong FirstSequence { get; }

    public ulong LastSequence { get; set; }

    public long Length { get; set; }

    public int Count { get; set; }

    public static string FileName(ulong firstSequence) =>
        Prefix + firstSequence.ToString("D20", CultureInfo.InvariantCulture) + Suffix;

    public static bool TryParseName(string fileName, out ulong firstSequence)
    {
        firstSequence = 0;
        return fileName.StartsWith(Prefix, StringComparison.Ordinal)
            && fileName.EndsWith(Suffix, StringComparison.Ordinal)
            && ulong.TryParse(
                fileName.AsSpan(Prefix.Length, fileName.Length - Prefix.Length - Suffix.Length),
                NumberStyles.None,
                CultureInfo.InvariantCulture,
                out firstSequence);
    }

    public static void WriteHeader(Span<byte> header, ulong sequence, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(header[4..], sequence);
        var crc = Crc32.Compute(payload, Crc32.Compute(header.Slice(4, 8)));
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], crc);
    }

    /// <summary>Reads the record at <paramref name="position"/>; null at a clean end, a torn tail or corruption.</summary>
    public static SpoolRecord? ReadRecord(Stream stream, long position, long end, out long next)
    {
        next = position;
        if (end - position < HeaderSize)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        stream.Position = position;
        if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > MaxPayload || end - position - HeaderSize < length)
        {
            return null;
        }

        var payload = new byte[length];
        if (stream.ReadAtLeast(payload, (int)length, throwOnEndOfStream: false) < length)
        {
            return null;
        }

        var crc = Crc32.Compute(payload, Crc32.Compute(header.Slice(4, 8)));
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(header[12..]))
        {
            return null;
        }

        next = position + HeaderSize + length;
        return new SpoolRecord(BinaryPrimitives.ReadUInt64LittleEndian(header[4..]), payload);
    }
}
