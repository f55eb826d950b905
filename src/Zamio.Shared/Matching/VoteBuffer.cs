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

    private readonly int[] _counts = new int[Buckets];
    private long[] _keys = new long[1 << 15];
    private long[] _scratch = new long[1 << 15];

    public int Count { get; private set; }

    /// <summary>Keys must be non-negative and below 2^(13 × 3).</summary>
    public static long MaxKey => (1L << (DigitBits * Passes)) - 1;

    public void Clear() => Count = 0;

    public void Add(long key)
    {
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
        }

        _keys[Count++] = key;
    }

    /// <summary>Sorts the votes; equal keys become runs.</summary>
    public ReadOnlySpan<long> Sort()
    {
        if (_scratch.Length < Count)
        {
            _scratch = new long[_keys.Length];
        }

        var source = _keys;
        var target = _scratch;
        for (var pass = 0; pass < Passes; pass++)
        {
            var shift = pass * DigitBits;
            Array.Clear(_counts);
            for (var i = 0; i < Count; i++)
            {
                _counts[(int)(source[i] >> shift) & (Buckets - 1)]++;
            }

            var sum = 0;
            for (var b = 0; b < Buckets; b++)
            {
                var c = _counts[b];
                _counts[b] = sum;
                sum += c;
            }

            for (var i = 0; i < Count; i++)
            {
                var key = source[i];
                target[_counts[(int)(key >> shift) & (Buckets - 1)]++] = key;
            }

            (source, target) = (target, source);
        }

        // An odd number of passes leaves the result in the scratch array; swap roles so it is found next time.
        _keys = source;
        _scratch = target;
        return _keys.AsSpan(0, Count);
    }
}
