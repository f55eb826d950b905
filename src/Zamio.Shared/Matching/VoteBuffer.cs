namespace Zamio.Shared.Matching;

/// <summary>
/// Votes as a flat array of keys, counted by sorting. A window casts ~10⁵ votes at random offsets; a hash table
/// that size misses cache on nearly every increment, while an LSD radix sort touches memory in order.
/// Buffers grow to the largest window seen and are reused.
/// </summary>
internal sealed class VoteBuffer
{
    private const int DigitBits = 13;
    private const int Buckets = 1 << DigitBits;
    private const int Passes = 3;

    private readonly int[] _counts = new int[Buckets * Passes];
    private long[] _keys = new long[1 << 15];
    private long[] _scratch = new long[1 << 15];

    public int Count { get; private set; }

    /// <summary>Keys must be non-negative and below 2^(13 × 3).</summary>
    public static long MaxKey => (1L << (DigitBits * Passes)) - 1;

    public void Clear() => Count = 0;

    /// <summary>Room for <paramref name="count"/> more votes, counted as cast: the caller fills all of it.</summary>
    public Span<long> Append(int count)
    {
        if (Count + count > _keys.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, Count + count));
        }

        var room = _keys.AsSpan(Count, count);
        Count += count;
        return room;
    }

    /// <summary>Sorts the votes; equal keys become runs.</summary>
    public ReadOnlySpan<long> Sort()
    {
        if (_scratch.Length < Count)
        {
            _scratch = new long[_keys.Length];
        }

        // One read counts every digit. A digit all keys share needs no pass: a block searched at one speed has the
        // same top digit throughout.
        Array.Clear(_counts);
        for (var i = 0; i < Count; i++)
        {
            var key = _keys[i];
            _counts[(int)key & (Buckets - 1)]++;
            _counts[Buckets + ((int)(key >> DigitBits) & (Buckets - 1))]++;
            _counts[(2 * Buckets) + ((int)(key >> (2 * DigitBits)) & (Buckets - 1))]++;
        }

        for (var pass = 0; pass < Passes; pass++)
        {
            var counts = _counts.AsSpan(pass * Buckets, Buckets);
            var shift = pass * DigitBits;
            if (Count == 0 || counts[(int)(_keys[0] >> shift) & (Buckets - 1)] == Count)
            {
                continue;
            }

            var sum = 0;
            for (var b = 0; b < Buckets; b++)
            {
                var c = counts[b];
                counts[b] = sum;
                sum += c;
            }

            for (var i = 0; i < Count; i++)
            {
                var key = _keys[i];
                _scratch[counts[(int)(key >> shift) & (Buckets - 1)]++] = key;
            }

            (_keys, _scratch) = (_scratch, _keys);
        }

        return _keys.AsSpan(0, Count);
    }
}
