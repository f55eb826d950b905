using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Matching;

public class BlockVotesTests
{
    [Fact]
    public void Merge_SortedBlocksWithSharedKeys_SortedUnionKeepsEveryVote()
    {
        var random = new Random(7);
        var blocks = new BlockVotes[3];
        var all = new List<long>();
        var owner = new object();
        for (var b = 0; b < blocks.Length; b++)
        {
            var keys = Enumerable.Range(0, 500 + 300 * b).Select(_ => (long)random.Next(0, 2000)).Order().ToArray();
            all.AddRange(keys);
            blocks[b] = new BlockVotes();
            blocks[b].Set(b * 125, 0, owner, keys);
        }

        long[] merged = [];
        var result = BlockVotes.Merge(blocks, ref merged).ToArray();

        Assert.Equal(all.Order(), result);
    }

    [Fact]
    public void Merge_EmptyBlockAndBlocksEntirelyAboveOrBelow_SortedUnion()
    {
        var owner = new object();
        long[][] keys =
        [
            [],
            [(16L << 32) | 5, (16L << 32) | 9, VoteBuffer.MaxKey],
            [0, 1, 1, 2],
            [3, (16L << 32) | 5, (16L << 32) | 6],
        ];
        var blocks = keys.Select((k, b) =>
        {
            var block = new BlockVotes();
            block.Set(b * 125, 0, owner, k);
            return block;
        }).ToArray();

        long[] merged = [];
        var result = BlockVotes.Merge(blocks, ref merged).ToArray();

        Assert.Equal(keys.SelectMany(k => k).Order(), result);
    }

    [Fact]
    public void IsFor_OtherStartEpochOrIndex_False()
    {
        var index = new object();
        var block = new BlockVotes();
        block.Set(250, 0, index, [1, 2, 3]);

        Assert.True(block.IsFor(250, 0, index));
        Assert.False(block.IsFor(375, 0, index));
        Assert.False(block.IsFor(250, 125, index));
        Assert.False(block.IsFor(250, 0, new object()));
    }

    [Fact]
    public void Set_FewVotesAfterMany_HoldsAnArraySizedForTheFew()
    {
        var index = new object();
        var block = new BlockVotes();
        block.Set(0, 0, index, Enumerable.Range(0, 200_000).Select(i => (long)i).ToArray());
        var large = block.Capacity;

        block.Set(62, 0, index, Enumerable.Range(0, 10_000).Select(i => (long)i).ToArray());

        Assert.True(large >= 200_000);
        Assert.InRange(block.Capacity, 10_000, large / 4);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (long)i), block.Keys.ToArray());
    }

    [Fact]
    public void Release_AfterSet_EmptyAndForNoBlock()
    {
        var index = new object();
        var block = new BlockVotes();
        block.Set(250, 0, index, [1, 2, 3]);

        block.Release();

        Assert.Equal((0, 0), (block.Count, block.Capacity));
        Assert.False(block.IsFor(250, 0, index));
    }
}
