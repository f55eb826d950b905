using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Indexing;

/// <summary>
/// A built <see cref="FingerprintIndex"/> as bytes, so an instance can load it instead of hashing every peak again.
/// Layout (little-endian): a 64-byte header, the key directory (int32), the postings (uint32), the track table
/// (start, frame count, peak count, id length: int32 each), the UTF-8 ids padded to 4 bytes, then every track's
/// packed peaks (uint32). Arrays are copied as whole spans, never element by element.
/// </summary>
public static class IndexSnapshot
{
    /// <summary>Bump when the layout changes; a snapshot of another format is rejected, never converted.</summary>
    public const int FormatVersion = 1;

    public const int HeaderBytes = 64;

    private const uint Magic = 0x5849_4D5A; // "ZMIX"
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes <paramref name="index"/>, tagged with the catalogue version it reflects.</summary>
    public static void Write(Stream stream, FingerprintIndex index, long catalogueVersion)
    {
        EnsureLittleEndian();
        ArgumentNullException.ThrowIfNull(index);
        index = index.Flatten();
        var tracks = index.Tracks;
        var table = new TrackEntry[tracks.Count];
        var ids = new byte[tracks.Sum(t => StrictUtf8.GetByteCount(t.Id))];
        var idOffset = 0;
        long peakCount = 0;
        for (var i = 0; i < table.Length; i++)
        {
            var length = StrictUtf8.GetBytes(tracks[i].Id, ids.AsSpan(idOffset));
            idOffset += length;
            table[i] = new TrackEntry((int)tracks[i].Start, tracks[i].Peaks.FrameCount, tracks[i].Peaks.Count, length);
            peakCount += tracks[i].Peaks.Count;
        }

        var header = new Header(catalogueVersion, table.Length, ids.Length, index.PostingCount, peakCount);
        Span<byte> head = stackalloc byte[HeaderBytes];
        header.WriteTo(head);
        stream.Write(head);
        stream.Write(MemoryMarshal.AsBytes(index.Directory));
        stream.Write(MemoryMarshal.AsBytes(index.AllPostings));
        stream.Write(MemoryMarshal.AsBytes(table.AsSpan()));
        stream.Write(ids);
        stream.Write(new byte[Padding(ids.Length)]);
        foreach (var track in tracks)
        {
            stream.Write(MemoryMarshal.AsBytes(track.Peaks.Packed));
        }
    }

    /// <summary>The catalogue version a snapshot claims, from its header alone; throws when the header is foreign.</summary>
    public static long ReadCatalogueVersion(ReadOnlySpan<byte> header) => Header.Parse(header).CatalogueVersion;

    /// <summary>Total bytes of the snapshot the header describes (the header included).</summary>
    public static long ReadLength(ReadOnlySpan<byte> header) => Header.Parse(header).TotalBytes;

    /// <summary>
    /// Reads a snapshot written by <see cref="Write"/> for this algorithm and key width. Anything foreign, truncated,
    /// trailing or inconsistent throws <see cref="InvalidDataException"/>, so a caller falls back to building.
    /// </summary>
    public static FingerprintIndex Read(Stream stream, out long catalogueVersion)
    {
        EnsureLittleEndian();
        try
        {
            Span<byte> head = stackalloc byte[HeaderBytes];
            stream.ReadExactly(head);
            var header = Header.Parse(head);
            if (stream.CanSeek && stream.Length - stream.Position != header.TotalBytes - HeaderBytes)
            {
                throw new InvalidDataException($"index snapshot is {stream.Length} bytes, its header says {header.TotalBytes}");
            }

            // Uninitialised: every element is overwritten, and zeroing a gigabyte first costs seconds.
            var directory = GC.AllocateUninitializedArray<int>(Header.DirectoryLength);
            stream.ReadExactly(MemoryMarshal.AsBytes(directory.AsSpan()));
            CheckDirectory(directory, header.PostingCount);
            var postings = GC.AllocateUninitializedArray<uint>((int)header.PostingCount);
            stream.ReadExactly(MemoryMarshal.AsBytes(postings.AsSpan()));
            var table = new TrackEntry[header.TrackCount];
            stream.ReadExactly(MemoryMarshal.AsBytes(table.AsSpan()));
            var ids = new byte[header.IdBytes + Padding(header.IdBytes)];
            stream.ReadExactly(ids);
            var tracks = ReadTracks(stream, table, ids, header.PeakCount);
            if (stream.ReadByte() != -1)
            {
                throw new InvalidDataException("index snapshot has trailing bytes");
            }

            catalogueVersion = header.CatalogueVersion;
            return new FingerprintIndex(directory, postings, tracks);
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException("index snapshot is truncated", ex);
        }
    }

    private static IndexedTrack[] ReadTracks(Stream stream, TrackEntry[] table, byte[] ids, long peakCount)
    {
        var tracks = new IndexedTrack[table.Length];
        var idOffset = 0;
        long position = 0;
        long peaks = 0;
        for (var i = 0; i < table.Length; i++)
        {
            var entry = table[i];
            // The builder's layout is the only valid one: tracks end to end with a fixed gap, in table order.
            if (entry.Start != position || entry.FrameCount is < 0 or >= TrackPeaks.MaxFrames || entry.PeakCount < 0
                || entry.IdLength <= 0 || idOffset + entry.IdLength > ids.Length || peaks + entry.PeakCount > peakCount)
            {
                throw new InvalidDataException($"index snapshot track {i} is inconsistent");
            }

            string id;
            try
            {
                id = StrictUtf8.GetString(ids, idOffset, entry.IdLength);
            }
            catch (DecoderFallbackException ex)
            {
                throw new InvalidDataException($"index snapshot track {i} has an invalid id", ex);
            }

            var packed = GC.AllocateUninitializedArray<uint>(entry.PeakCount);
            stream.ReadExactly(MemoryMarshal.AsBytes(packed.AsSpan()));
            tracks[i] = new IndexedTrack(id, (uint)entry.Start, TrackPeaks.FromPacked(packed, entry.FrameCount));
            idOffset += entry.IdLength;
            peaks += entry.PeakCount;
            position += entry.FrameCount + (long)FingerprintIndex.TrackGap;
        }

        if (peaks != peakCount || idOffset + Padding(idOffset) != ids.Length)
        {
            throw new InvalidDataException("index snapshot track table does not match its header");
        }

        return tracks;
    }

    private static void CheckDirectory(int[] directory, long postingCount)
    {
        if (directory[0] != 0 || directory[^1] != postingCount)
        {
            throw new InvalidDataException("index snapshot directory does not span the postings");
        }

        for (var k = 1; k < directory.Length; k++)
        {
            if (directory[k] < directory[k - 1])
            {
                throw new InvalidDataException("index snapshot directory is not ascending");
            }
        }
    }

    private static int Padding(int length) => (4 - (length & 3)) & 3;

    private static void EnsureLittleEndian()
    {
        // Arrays are copied as raw memory; a big-endian host would need a byte-swapping path nobody uses.
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("index snapshots need a little-endian host");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TrackEntry(int Start, int FrameCount, int PeakCount, int IdLength);

    private readonly record struct Header(long CatalogueVersion, int TrackCount, int IdBytes, long PostingCount, long PeakCount)
    {
        public static int DirectoryLength => (1 << PairHasher.KeyBits) + 1;

        public long TotalBytes => HeaderBytes + (DirectoryLength * 4L) + (PostingCount * 4) + (TrackCount * 16L)
            + IdBytes + Padding(IdBytes) + (PeakCount * 4);

        public void WriteTo(Span<byte> head)
        {
            head.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(head, Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(head[4..], FormatVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(head[6..], FingerprintSettings.AlgorithmVersion);
            head[8] = PairHasher.KeyBits;
            BinaryPrimitives.WriteUInt32LittleEndian(head[12..], FingerprintIndex.TrackGap);
            BinaryPrimitives.WriteInt64LittleEndian(head[16..], CatalogueVersion);
            BinaryPrimitives.WriteInt32LittleEndian(head[24..], TrackCount);
            BinaryPrimitives.WriteInt32LittleEndian(head[28..], IdBytes);
            BinaryPrimitives.WriteInt64LittleEndian(head[32..], PostingCount);
            BinaryPrimitives.WriteInt64LittleEndian(head[40..], PeakCount);
        }

        public static Header Parse(ReadOnlySpan<byte> head)
        {
            if (head.Length < HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(head) != Magic)
            {
                throw new InvalidDataException("not an index snapshot");
            }

            var format = BinaryPrimitives.ReadUInt16LittleEndian(head[4..]);
            var algorithm = BinaryPrimitives.ReadUInt16LittleEndian(head[6..]);
            if (format != FormatVersion || algorithm != FingerprintSettings.AlgorithmVersion || head[8] != PairHasher.KeyBits
                || BinaryPrimitives.ReadUInt32LittleEndian(head[12..]) != FingerprintIndex.TrackGap)
            {
                throw new InvalidDataException($"index snapshot of format {format}, algorithm {algorithm}, {head[8]} key bits is foreign to format {FormatVersion}, algorithm {FingerprintSettings.AlgorithmVersion}, {PairHasher.KeyBits} key bits");
            }

            var header = new Header(
                BinaryPrimitives.ReadInt64LittleEndian(head[16..]),
                BinaryPrimitives.ReadInt32LittleEndian(head[24..]),
                BinaryPrimitives.ReadInt32LittleEndian(head[28..]),
                BinaryPrimitives.ReadInt64LittleEndian(head[32..]),
                BinaryPrimitives.ReadInt64LittleEndian(head[40..]));
            // Bounds before any allocation: a corrupt count must not ask for gigabytes.
            if (header.TrackCount < 0 || header.IdBytes < 0 || header.PostingCount is < 0 or > int.MaxValue
                || header.PeakCount is < 0 or > int.MaxValue * 4L)
            {
                throw new InvalidDataException("index snapshot header has impossible counts");
            }

            return header;
        }
    }
}
