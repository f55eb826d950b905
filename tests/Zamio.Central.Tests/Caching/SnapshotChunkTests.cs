using Zamio.Central.Caching;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Caching;

public class SnapshotChunkTests
{
    [Theory]
    [InlineData(4_096)]
    [InlineData(1 << 20)]
    [InlineData(64 << 20)]
    public void ChunkStreams_SnapshotCutAndJoined_RoundTrips(int chunkBytes)
    {
        var index = SmallIndex();
        var chunks = new List<byte[]>();
        using (var writer = new ChunkWriteStream(chunkBytes, (n, chunk) =>
        {
            Assert.Equal(chunks.Count, n);
            chunks.Add(chunk.ToArray());
        }))
        {
            IndexSnapshot.Write(writer, index, 7);
            writer.Flush();
            Assert.Equal(chunks.Sum(c => (long)c.Length), writer.Length);
        }

        Assert.All(chunks.SkipLast(1), c => Assert.Equal(chunkBytes, c.Length));
        var copy = IndexSnapshot.Read(new ChunkReadStream([.. chunks.Select(c => (ReadOnlyMemory<byte>)c)]), out var version);

        Assert.Equal(7, version);
        Assert.Equal(index.Tracks.Select(t => t.Id), copy.Tracks.Select(t => t.Id));
        Assert.Equal(index.PostingCount, copy.PostingCount);
    }

    [Fact]
    public void ChunkReadStream_MissingLastChunk_SnapshotRejected()
    {
        var chunks = new List<byte[]>();
        using (var writer = new ChunkWriteStream(1 << 20, (_, chunk) => chunks.Add(chunk.ToArray())))
        {
            IndexSnapshot.Write(writer, SmallIndex(), 7);
            writer.Flush();
        }

        Assert.True(chunks.Count > 2);
        var partial = chunks.SkipLast(1).Select(c => (ReadOnlyMemory<byte>)c).ToArray();

        Assert.Throws<InvalidDataException>(() => IndexSnapshot.Read(new ChunkReadStream(partial), out _));
    }

    [Fact]
    public void Manifest_FormatThenParse_RoundTrips()
    {
        var manifest = new SnapshotManifest(12, "abc123", 100, 40, [1, ulong.MaxValue, 0xdeadbeef]);

        var parsed = SnapshotManifest.Parse(manifest.Format());

        Assert.NotNull(parsed);
        Assert.Equal(manifest.CatalogueVersion, parsed.CatalogueVersion);
        Assert.Equal(manifest.Id, parsed.Id);
        Assert.Equal(manifest.ChunkHashes, parsed.ChunkHashes);
        Assert.Equal([40, 40, 20], Enumerable.Range(0, 3).Select(parsed.ChunkLength));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("zmix9 12 abc 100 40 1 2 3")] // another format
    [InlineData("zmix1 12 abc 100 40 1 2")] // 100 bytes do not fit two chunks of 40
    [InlineData("zmix1 12 abc 100 40 1 2 3 4")] // nor need four
    [InlineData("zmix1 -1 abc 100 40 1 2 3")]
    [InlineData("zmix1 12 abc 100 40 1 2 xyz")]
    public void Manifest_ForeignOrInconsistent_ParsesToNull(string? text)
    {
        Assert.Null(SnapshotManifest.Parse(text));
    }

    private static FingerprintIndex SmallIndex()
    {
        var builder = new IndexBuilder();
        for (var t = 0; t < 5; t++)
        {
            var random = new Random(t);
            var peaks = Enumerable.Range(0, 2000).Where(_ => random.NextDouble() < 0.6)
                .Select(f => new Peak(f, (ushort)random.Next(40, 1800))).ToArray();
            builder.Add($"t{t}", TrackPeaks.FromPeaks(peaks, 2000));
        }

        return builder.Build();
    }
}
