using System.Buffers.Binary;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Fingerprinting;

public class IndexSnapshotTests
{
    [Fact]
    public void Read_WrittenIndex_RoundTripsEveryArrayAndTheVersion()
    {
        var index = Build();

        var copy = IndexSnapshot.Read(new MemoryStream(Bytes(index, 42)), out var version);

        Assert.Equal(42, version);
        Assert.True(index.Directory.SequenceEqual(copy.Directory));
        Assert.True(index.AllPostings.SequenceEqual(copy.AllPostings));
        Assert.Equal(index.Tracks.Count, copy.Tracks.Count);
        for (var i = 0; i < index.Tracks.Count; i++)
        {
            Assert.Equal(index.Tracks[i].Id, copy.Tracks[i].Id);
            Assert.Equal(index.Tracks[i].Start, copy.Tracks[i].Start);
            Assert.Equal(index.Tracks[i].Peaks.FrameCount, copy.Tracks[i].Peaks.FrameCount);
            Assert.True(index.Tracks[i].Peaks.Packed.SequenceEqual(copy.Tracks[i].Peaks.Packed));
        }
    }

    [Fact]
    public void Read_WrittenIndex_MatchesLikeTheOriginal()
    {
        var index = Build();
        var copy = IndexSnapshot.Read(new MemoryStream(Bytes(index, 1)), out _);
        var query = index.Tracks[2].Peaks.ToPeaks().AsSpan(100, 300);

        var expected = Assert.Single(new Matcher(index).Match(query));
        var actual = Assert.Single(new Matcher(copy).Match(query));

        Assert.Equal("tráck-2", actual.TrackId);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Read_EmptyIndex_RoundTrips()
    {
        var copy = IndexSnapshot.Read(new MemoryStream(Bytes(FingerprintIndex.Empty, 0)), out _);

        Assert.Empty(copy.Tracks);
        Assert.Equal(0, copy.PostingCount);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(IndexSnapshot.HeaderBytes + 1000)]
    [InlineData(-4)]
    [InlineData(-1)]
    public void Read_TruncatedSnapshot_ThrowsInvalidData(int cut)
    {
        var bytes = Bytes(Build(), 1);
        var length = cut >= 0 ? cut : bytes.Length + cut;

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new MemoryStream(bytes, 0, length), out _));
        // Without a known length (a plain network stream) truncation is found when the data runs out.
        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new UnseekableStream(bytes.AsSpan(0, length).ToArray()), out _));
    }

    [Fact]
    public void Read_TrailingBytes_ThrowsInvalidData()
    {
        var bytes = Bytes(Build(), 1);

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new UnseekableStream([.. bytes, 0]), out _));
    }

    [Theory]
    [InlineData(0, 0x12345678u)] // magic
    [InlineData(4, 99u)] // format version
    [InlineData(6, FingerprintSettings.AlgorithmVersion + 1u)]
    [InlineData(8, 20u)] // key bits
    public void Read_ForeignHeader_ThrowsInvalidData(int offset, uint value)
    {
        var bytes = Bytes(Build(), 1);
        if (offset == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        }
        else if (offset == 8)
        {
            bytes[8] = (byte)value;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)value);
        }

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new MemoryStream(bytes), out _));
    }

    [Fact]
    public void Read_PeaksOutOfOrder_ThrowsInvalidData()
    {
        var bytes = Bytes(Build(), 1);
        // The last two peaks of the last track, swapped.
        var a = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        var b = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        Assert.NotEqual(a, b);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), b);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), a);

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new MemoryStream(bytes), out _));
    }

    [Fact]
    public void Read_TrackStartMoved_ThrowsInvalidData()
    {
        var index = Build();
        var bytes = Bytes(index, 1);
        var table = IndexSnapshot.HeaderBytes + ((long)index.Directory.Length * 4) + (index.PostingCount * 4);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan((int)table + 16), 1); // second track's start

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new MemoryStream(bytes), out _));
    }

    [Fact]
    public void Read_DirectoryNotAscending_ThrowsInvalidData()
    {
        var bytes = Bytes(Build(), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(IndexSnapshot.HeaderBytes + (4 * 1000)), int.MaxValue);

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new MemoryStream(bytes), out _));
    }

    /// <summary>Three tracks of random peaks, the middle one an empty slot (as a removed track leaves), ids in UTF-8.</summary>
    private static FingerprintIndex Build()
    {
        var builder = new IndexBuilder();
        builder.Add("tráck-0", RandomPeaks(1, 900));
        builder.Add("\u0000removed-1", TrackPeaks.FromPacked([], 0));
        builder.Add("tráck-2", RandomPeaks(2, 1200));
        return builder.Build();
    }

    private static TrackPeaks RandomPeaks(int seed, int frames)
    {
        var random = new Random(seed);
        var peaks = Enumerable.Range(0, frames).Where(_ => random.NextDouble() < 0.6)
            .Select(f => new Peak(f, (ushort)random.Next(40, 1800))).ToArray();
        return TrackPeaks.FromPeaks(peaks, frames);
    }

    private static byte[] Bytes(FingerprintIndex index, long version)
    {
        using var stream = new MemoryStream();
        IndexSnapshot.Write(stream, index, version);
        return stream.ToArray();
    }

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
