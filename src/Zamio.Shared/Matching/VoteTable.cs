namespace Zamio.Shared.Matching;

/// <summary>
/// Open-addressing counter keyed by (speed hypothesis, offset bin). Reused across queries: clearing touches
/// only the slots that were used, so a query costs what it votes, not the table size.
/// </summary>
internal sealed class VoteTable
{
    private long[] _keys;
    private int[] _counts;
    private uint[] _samples;
    private int[] _used;
    private int _usedCount;
    private int _mask;
    private int _shift;

    public VoteTable(int capacityPow2 = 1 << 16)
    {
        _keys = new long[capacityPow2];
        _counts = new int[capacityPow2];
        _samples = new uint[capacityPow2];
        _used = new int[capacityPow2];
        _mask = capacityPow2 - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)capacityPow2);
    }

    public int Count => _usedCount;

    public void Add(long key, uint samplePosition)
    {
        if (_usedCount * 2 >= _keys.Length)
        {
            Grow();
        }

        var slot = Slot(key);
        if (_counts[slot] == 0)
        {
            _keys[slot] = key;
            _samples[slot] = samplePosition;
            _used[_usedCount++] = slot;
        }

        _counts[slot]++;
    }

    public int Get(long key)
    {
        var slot = Slot(key);
        return _counts[slot];
    }

    /// <summary>Entry <paramref name="i"/> in insertion order.</summary>
    public (long Key, int Count, uint Sample) Entry(int i)
    {
        var slot = _used[i];
        return (_keys[slot], _counts[slot], _samples[slot]);
    }

    public void Clear()
    {
        for (var i = 0; i < _usedCount; i++)
        {
            _counts[_used[i]] = 0;
        }

        _usedCount = 0;
    }

    private int Slot(long key)
    {
        var slot = (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> _shift);
        while (_counts[slot] != 0 && _keys[slot] != key)
        {
            slot = (slot + 1) & _mask;
        }

        return slot;
    }

    private void Grow()
    {
        var oldKeys = _keys;
        var oldCounts = _counts;
        var oldSamples = _samples;
        var oldUsed = _used;
        var oldUsedCount = _usedCount;
        var capacity = oldKeys.Length * 2;
        _keys = new long[capacity];
        _counts = new int[capacity];
        _samples = new uint[capacity];
        _used = new int[capacity];
        _mask = capacity - 1;
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)capacity);
        _usedCount = 0;
        for (var i = 0; i < oldUsedCount; i++)
        {
            var old = oldUsed[i];
            var slot = Slot(oldKeys[old]);
            _keys[slot] = oldKeys[old];
            _counts[slot] = oldCounts[old];
            _samples[slot] = oldSamples[old];
            _used[_usedCount++] = slot;
        }
    }
}
