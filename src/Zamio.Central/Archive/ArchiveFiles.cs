using System.Buffers.Binary;
using System.Globalization;
using Zamio.Shared.Wire;

namespace Zamio.Central.Archive;

/// <summary>
/// Layout and framing of the fingerprint archive: <c>DIR/STATION/yyyy-MM-dd.zpk</c> (the day of the packet's capture,
/// UTC), each file a run of records <c>[length u32][CRC-32 of the packet u32][packet]</c>, little-endian, the packet exactly as the
/// agent sent it. A process stopped mid-append leaves a torn record; the checksum lets a reader skip to the next whole
/// one instead of reading everything after it as garbage.
/// </summary>
public static class ArchiveFiles
{
    public const string Extension = ".zpk";
    private const int HeaderSize = 8;
    private const string DayFormat = "yyyy-MM-dd";

    /// <summary>The station's folder. Ids are [A-Za-z0-9_.-], so only "." and ".." need escaping to stay inside.</summary>
    public static string StationDirectory(string root, string station) =>
        Path.Combine(root, station is "." or ".." ? station.Replace(".", "%2E", StringComparison.Ordinal) : station);

    /// <summary>The stations with a folder in any of <paramref name="roots"/>, in id order.</summary>
    public static List<string> Stations(IEnumerable<string> roots) =>
        [.. roots.Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateDirectories(root).Select(Path.GetFileName))
            .Select(name => name!.Replace("%2E", ".", StringComparison.Ordinal))
            .Where(StationIds.IsValid)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    public static string DayFile(string root, string station, DateOnly day) =>
        Path.Combine(StationDirectory(root, station), day.ToString(DayFormat, CultureInfo.InvariantCulture) + Extension);

    public static DateOnly DayOf(DateTimeOffset capture) => DateOnly.FromDateTime(capture.UtcDateTime);

    /// <summary>The day a file holds, or null for a file that is not a day file.</summary>
    public static DateOnly? DayOfFile(string path) =>
        Path.GetExtension(path) == Extension
        && DateOnly.TryParseExact(Path.GetFileNameWithoutExtension(path), DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day : null;

    public static void WriteRecord(Stream stream, ReadOnlySpan<byte> packet)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)packet.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.Compute(packet));
        stream.Write(header);
        stream.Write(packet);
    }

    /// <summary>
    /// The whole records of an archive file's bytes, in order; <paramref name="skippedBytes"/> counts what lay between
    /// them (torn appends, damage).
    /// </summary>
    public static List<ReadOnlyMemory<byte>> ReadRecords(ReadOnlyMemory<byte> file, out long skippedBytes)
    {
        var records = new List<ReadOnlyMemory<byte>>();
        var span = file.Span;
        skippedBytes = 0;
        var at = 0;
        while (at < span.Length)
        {
            if (IsRecordAt(span, at, out var length))
            {
                records.Add(file.Slice(at + HeaderSize, length));
                at += HeaderSize + length;
            }
            else
            {
                skippedBytes++;
                at++;
            }
        }

        return records;
    }

    private static bool IsRecordAt(ReadOnlySpan<byte> span, int at, out int length)
    {
        length = 0;
        if (span.Length - at < HeaderSize)
        {
            return false;
        }

        var declared = BinaryPrimitives.ReadUInt32LittleEndian(span[at..]);
        if (declared == 0 || declared > FingerprintPacket.MaxPacketSize || declared > span.Length - at - HeaderSize)
        {
            return false;
        }

        length = (int)declared;
        return BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]) == Crc32.Compute(span.Slice(at + HeaderSize, length));
    }
}
