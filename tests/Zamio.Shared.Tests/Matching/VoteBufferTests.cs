using Zamio.Shared.Matching;

namespace Zamio.Shared.Tests.Matching;

public sealed class VoteBufferTests
{
    [Theory]
    [InlineData(0L, false)]      // every digit varies
    [InlineData(1L << 26, true)] // the top digit shared, as in a block searched at one speed
    [InlineData(5L << 32, true)] // the top digit shared at another speed
    public void Sort_RandomVotes_SameOrderAsArraySortTwiceInARow(long lowest, bool topDigitShared)
    {
        var buffer = new VoteBuffer();
        var random = new Random(42);
        foreach (var count in new[] { 50_000, 70_000 })
        {
            var keys = Enumerable.Range(0, count)
                .Select(_ => lowest + random.NextInt64(topDigitShared ? 1L << 26 : VoteBuffer.MaxKey + 1))
                .ToArray();
            buffer.Clear();
            // In pieces as postings lists come, so the buffer grows many times, once from empty after a larger round.
            for (var i = 0; i < keys.Length;)
            {
                var piece = Math.Min(1 + random.Next(7), keys.Length - i);
                keys.AsSpan(i, piece).CopyTo(buffer.Append(piece));
                i += piece;
            }

            var sorted = buffer.Sort().ToArray();

            Array.Sort(keys);
            Assert.Equal(keys, sorted);
        }
    }

    [Fact]
    public void Sort_AllVotesEqualOrNone_ReturnsThemUnchanged()
    {
        var buffer = new VoteBuffer();
        Assert.Empty(buffer.Sort().ToArray());
        buffer.Append(1000).Fill(123_456_789);

        Assert.Equal(Enumerable.Repeat(123_456_789L, 1000), buffer.Sort().ToArray());
    }
}
