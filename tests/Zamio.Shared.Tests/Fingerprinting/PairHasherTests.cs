using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Tests.Fingerprinting;

public class PairHasherTests
{
    // An anchor and two targets: one triplet with fanout 2.
    private static readonly HashPoint[] Triplet = [new(100, 40), new(110, 52), new(121, 31)];

    [Fact]
    public void Hash_JitterTimes_AlsoGivesTheKeysOfTargetsMovedByAFrame()
    {
        var plain = Keys(Triplet, jitterTimes: false);
        var jittered = Keys(Triplet, jitterTimes: true);

        Assert.Single(plain);
        Assert.Equal(9, jittered.Count);
        Assert.Contains(plain[0], jittered);
        Assert.Contains(Keys([Triplet[0], Triplet[1] with { Time = 111 }, Triplet[2] with { Time = 120 }], jitterTimes: false)[0], jittered);
        Assert.Equal(9, jittered.Distinct().Count());
    }

    [Fact]
    public void Hash_TargetMovedByAFrame_KeyDiffersWithoutJitter()
    {
        var moved = Keys([Triplet[0], Triplet[1] with { Time = 111 }, Triplet[2]], jitterTimes: false);

        Assert.NotEqual(Keys(Triplet, jitterTimes: false)[0], moved[0]);
    }

    [Fact]
    public void Hash_JitterTimes_StaysWithinTheTimeDifferenceRange()
    {
        HashPoint[] shortest = [new(100, 40), new(100 + PairHasher.MinDt, 52), new(100 + PairHasher.MaxDt, 31)];

        // dt1 cannot go below MinDt and dt2 not above MaxDt: 2 x 2 keys.
        Assert.Equal(4, Keys(shortest, jitterTimes: true).Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Hash_PointsArrivingInPieces_NewTripletsTogetherExactlyTheWholeRunsTriplets(int seed)
    {
        // Dense random points, so that anchors near a cut have some targets before it and more after.
        var random = new Random(seed);
        var time = 0f;
        var points = Enumerable.Range(0, 400).Select(_ => new HashPoint(time += random.Next(0, 4), random.Next(-5, 120))).ToArray();
        var whole = new List<HashedPair>();
        PairHasher.Hash(points, 0, points.Length, PairHasher.QueryFanout, whole);

        var pieces = new List<HashedPair>();
        var cuts = new[] { 0, 37, 38, 150, 290, points.Length };
        for (var c = 1; c < cuts.Length; c++)
        {
            // Each piece hashes every anchor so far against the points so far, keeping what the new points add.
            PairHasher.Hash(points.AsSpan(0, cuts[c]), 0, cuts[c], PairHasher.QueryFanout, pieces, newFrom: cuts[c - 1]);
        }

        Assert.True(whole.Count > 1000);
        Assert.Equal(whole.OrderBy(p => p.Key).ThenBy(p => p.AnchorTime), pieces.OrderBy(p => p.Key).ThenBy(p => p.AnchorTime));
    }

    private static List<int> Keys(HashPoint[] points, bool jitterTimes)
    {
        var output = new List<HashedPair>();
        PairHasher.Hash(points, 0, 1, 2, output, jitterTimes);
        Assert.All(output, p => Assert.Equal(points[0].Time, p.AnchorTime));
        return output.ConvertAll(p => p.Key);
    }
}
