namespace Zamio.Shared.Wire;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): the same value as zlib, PNG and System.IO.Hashing.Crc32.
/// A small table implementation so the shared library needs no extra package for ~200-byte packets; the agent's
/// spool frames its records with it too.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>CRC of <paramref name="data"/>; pass a previous result as <paramref name="seed"/> to continue it.</summary>
    public static uint Compute(ReadOnlySpan<byte> data, uint seed = 0)
    {
        var crc = ~seed;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
