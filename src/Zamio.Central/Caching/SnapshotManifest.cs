using System.Globalization;
using System.IO.Hashing;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Caching;

/// <summary>
/// Names an index snapshot in Redis and how to check it: the catalogue version it reflects, the id its chunk keys
/// carry, its length, the chunk size and each chunk's XXH3 hash. Text, so it reads well in <c>redis-cli</c>:
/// <c>zmix{format} {version} {id} {bytes} {chunkBytes} {hash}…</c>.
/// </summary>
public sealed record SnapshotManifest(long CatalogueVersion, string Id, long TotalBytes, int ChunkBytes, IReadOnlyList<ulong> ChunkHashes)
{
    private static readonly string Tag = "zmix" + IndexSnapshot.FormatVersion.ToString(CultureInfo.InvariantCulture);

    public int ChunkCount => ChunkHashes.Count;

    public static ulong Hash(ReadOnlySpan<byte> chunk) => XxHash3.HashToUInt64(chunk);

    /// <summary>Length of chunk <paramref name="n"/>: every chunk is full but the last.</summary>
    public long ChunkLength(int n) => n < ChunkCount - 1 ? ChunkBytes : TotalBytes - ((long)ChunkBytes * (ChunkCount - 1));

    public string Format() => string.Join(' ', new[]
    {
        Tag,
        CatalogueVersion.ToString(CultureInfo.InvariantCulture),
        Id,
        TotalBytes.ToString(CultureInfo.InvariantCulture),
        ChunkBytes.ToString(CultureInfo.InvariantCulture),
    }.Concat(ChunkHashes.Select(h => h.ToString("x16", CultureInfo.InvariantCulture))));

    /// <summary>The manifest, or null when the text is of another format or inconsistent.</summary>
    public static SnapshotManifest? Parse(string? text)
    {
        var parts = text?.Split(' ');
        if (parts is not { Length: >= 6 } || parts[0] != Tag
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || parts[2].Length == 0
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var chunkBytes) || chunkBytes <= 0)
        {
            return null;
        }

        var hashes = new ulong[parts.Length - 5];
        for (var i = 0; i < hashes.Length; i++)
        {
            if (!ulong.TryParse(parts[i + 5], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out hashes[i]))
            {
                return null;
            }
        }

        var manifest = new SnapshotManifest(version, parts[2], total, chunkBytes, hashes);
        return manifest.ChunkLength(hashes.Length - 1) is > 0 and var last && last <= chunkBytes ? manifest : null;
    }
}
