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
}
