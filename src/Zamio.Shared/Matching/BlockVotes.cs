using System.Buffers;

namespace Zamio.Shared.Matching;

/// <summary>
/// The sorted votes of one block of stream anchors, kept so that overlapping windows re-use them instead of
/// hashing and looking up the same peaks again. Offsets are relative to <see cref="Epoch"/>, so blocks voted
/// against the same epoch and index can be merged into one window.
/// </summary>
public sealed class BlockVotes
{
    private long[] _keys = [];

    public long StartFrame { get; private set; } = long.MinValue;

    public long Epoch { get; private set; }

    /// <summary>The index the votes point into; a rebuilt index invalidates them.</summary>
    public object? Index { get; private set; }

    public int Count { get; private set; }

    /// <summary>The speed hypotheses its anchors were voted under (empty: all), as the stream that keeps it records them.</summary>
    internal int[] Speeds { get; set; } = [];

    internal ReadOnlySpan<long> Keys => _keys.AsSpan(0, Count);

    internal int Capacity => _keys.Length;

    // A stream searching the whole speed grid votes several times more than one focused on an identified song, which is
    // most of the time; a block keeps an array sized for what it holds, not for the largest it ever held.
    private const int ShrinkRatio = 4;
    private const int MinCapacity = 4096;

    public bool IsFor(long startFrame, long epoch, object index) =>
        StartFrame == startFrame && Epoch == epoch && ReferenceEquals(Index, index);

    internal void Set(long startFrame, long epoch, object index, ReadOnlySpan<long> sortedKeys)
    {
        if (_keys.Length < sortedKeys.Length || _keys.Length > ShrinkRatio * Math.Max(sortedKeys.Length, MinCapacity))
        {
            // Thousands of live streams each grow their blocks while warming up; renting recycles the outgrown
            // arrays among them instead of leaving gigabytes of large-object garbage.
            Replace(ArrayPool<long>.Shared.Rent(sortedKeys.Length));
        }

        sortedKeys.CopyTo(_keys);
        Count = sortedKeys.Length;
        StartFrame = startFrame;
        Epoch = epoch;
        Index = index;
    }

    /// <summary>Merges more sorted votes of the same block into it.</summary>
    internal void Add(ReadOnlySpan<long> sortedKeys)
    {
        if (_keys.Length < Count + sortedKeys.Length)
        {
            var grown = ArrayPool<long>.Shared.Rent(Count + sortedKeys.Length);
            Keys.CopyTo(grown);
            Replace(grown);
        }

        Count = MergeInto(_keys, Count, sortedKeys);
    }

    /// <summary>Gives the array back to the pool; the block is voted again when next needed.</summary>
    public void Release()
    {
        Replace([]);
        Count = 0;
        StartFrame = long.MinValue;
        Index = null;
    }

    // The array in use goes back to the pool (the empty array is not the pool's).
    private void Replace(long[] keys)
    {
        if (_keys.Length > 0)
        {
            ArrayPool<long>.Shared.Return(_keys);
        }

        _keys = keys;
    }

    /// <summary>Merges sorted blocks into <paramref name="merged"/> (grown as needed); returns the merged span.</summary>
    internal static ReadOnlySpan<long> Merge(ReadOnlySpan<BlockVotes> blocks, ref long[] merged)
    {
        var total = 0;
        foreach (var block in blocks)
        {
            total += block.Count;
        }

        if (merged.Length < total)
        {
            merged = new long[total + total / 4];
        }

        var count = 0;
        foreach (var block in blocks)
        {
            count = MergeInto(merged, count, block.Keys);
        }

        return merged.AsSpan(0, count);
    }

    // Merges a sorted run into the sorted prefix of target from the back, in place: no second buffer. Which side gives the
    // next key is computed, not branched on: a window's chance votes from two blocks interleave at random, so a branch
    // there is mispredicted about every other key. Keys are non-negative, so b - a cannot overflow.
    private static int MergeInto(long[] target, int count, ReadOnlySpan<long> run)
    {
        var i = count - 1;
        var j = run.Length - 1;
        var k = count + run.Length - 1;
        while (i >= 0 && j >= 0)
        {
            var a = target[i];
            var b = run[j];
            var fromTarget = (b - a) >> 63;
            target[k--] = b ^ ((a ^ b) & fromTarget);
            i += (int)fromTarget;
            j -= 1 + (int)fromTarget;
        }

        run[..(j + 1)].CopyTo(target);
        return count + run.Length;
    }
}
