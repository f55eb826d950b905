using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Fingerprinting;

public class IndexBuilderTests
{
    [Fact]
    public void Build_ThreeTracks_LaysTracksEndToEndWithGaps()
    {
        var (index, _) = BuildIndex(3);

        Assert.Equal(3, index.Tracks.Count);
        Assert.Equal(0u, index.Tracks[0].Start);
        for (var i = 1; i < index.Tracks.Count; i++)
        {
            Assert.Equal(index.Tracks[i - 1].End + FingerprintIndex.TrackGap, index.Tracks[i].Start);
        }

        Assert.Equal(["t0", "t1", "t2"], index.Tracks.Select(t => t.Id));
    }

    [Fact]
    public void TrackAt_PositionsInsideTracks_ReturnsTrack()
    {
        var (index, _) = BuildIndex(3);

        for (var i = 0; i < index.Tracks.Count; i++)
        {
            var track = index.Tracks[i];
            Assert.Equal(i, index.TrackAt(track.Start));
            Assert.Equal(i, index.TrackAt((track.Start + track.End) / 2));
            Assert.Equal(i, index.TrackAt(track.End - 1));
        }
    }

    [Fact]
    public void TrackAt_GapsAndOutside_ReturnsMinusOne()
    {
        var (index, _) = BuildIndex(3);

        Assert.Equal(-1, index.TrackAt(-1));
        Assert.Equal(-1, index.TrackAt(long.MinValue));
        Assert.Equal(-1, index.TrackAt((long)uint.MaxValue + 1));
        foreach (var track in index.Tracks)
        {
            Assert.Equal(-1, index.TrackAt(track.End));
            Assert.Equal(-1, index.TrackAt(track.End + FingerprintIndex.TrackGap / 2));
            Assert.Equal(-1, index.TrackAt(track.End + FingerprintIndex.TrackGap - 1));
        }

        Assert.Equal(-1, index.TrackAt(index.Tracks[^1].End + 100_000L));
    }

    [Fact]
    public void Build_PostingCount_EqualsReferenceHashCount()
    {
        var (index, peaks) = BuildIndex(3);

        long hashes = 0;
        foreach (var trackPeaks in peaks)
        {
            hashes += HashReference(trackPeaks).Count;
        }

        Assert.True(hashes > 0);
        Assert.Equal(hashes, index.PostingCount);
    }

    [Fact]
    public void Lookup_EveryReferenceHash_FindsItsAnchorPosition()
    {
        var (index, peaks) = BuildIndex(2);

        for (var t = 0; t < peaks.Length; t++)
        {
            var start = index.Tracks[t].Start;
            foreach (var pair in HashReference(peaks[t]))
            {
                var postings = index.Lookup(pair.Key);
                var position = start + (uint)pair.AnchorTime;
                Assert.True(postings.Contains(position), $"track {t} key {pair.Key} misses position {position}");
                Assert.Equal(t, index.TrackAt(position));
            }
        }
    }

    [Fact]
    public void Lookup_PostingsOfAKey_AreSorted()
    {
        var (index, _) = BuildIndex(3);

        var nonEmpty = 0;
        for (var key = 0; key < 1 << PairHasher.KeyBits; key += 97)
        {
            var postings = index.Lookup(key);
            nonEmpty += postings.IsEmpty ? 0 : 1;
            for (var i = 1; i < postings.Length; i++)
            {
                Assert.True(postings[i - 1] <= postings[i], $"key {key} postings out of order");
            }
        }

        Assert.True(nonEmpty > 0);
    }

    [Fact]
    public void Ranges_ManyKeys_SamePostingsAsLookup()
    {
        var (index, _) = BuildIndex(3);
        var pairs = Enumerable.Range(0, 5000).Select(i => new HashedPair(i * 811 % (1 << PairHasher.KeyBits), 0)).ToArray();
        var ranges = new long[pairs.Length];

        index.Ranges(pairs, ranges);

        Assert.Contains(pairs, p => !index.Lookup(p.Key).IsEmpty);
        for (var i = 0; i < pairs.Length; i++)
        {
            Assert.True(index.Lookup(pairs[i].Key).SequenceEqual(index.Postings(ranges[i])), $"key {pairs[i].Key}");
        }
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void Append_TracksAfterExistingOnes_SameIndexAsBuildingAllAtOnce(int existing, int added)
    {
        var (all, peaks) = BuildIndex(existing + added);
        var before = new IndexBuilder();
        for (var i = 0; i < existing; i++)
        {
            before.Add($"t{i}", peaks[i]);
        }

        var appended = before.Build().Append([.. Enumerable.Range(existing, added).Select(i => ($"t{i}", peaks[i]))]);

        Assert.Equal(all.Tracks.Select(t => (t.Id, t.Start)), appended.Tracks.Select(t => (t.Id, t.Start)));
        Assert.True(all.Directory.SequenceEqual(appended.Directory), "directories differ");
        Assert.True(all.AllPostings.SequenceEqual(appended.AllPostings), "postings differ");
    }

    [Fact]
    public void Empty_NoTracks_NothingFound()
    {
        var index = FingerprintIndex.Empty;

        Assert.Empty(index.Tracks);
        Assert.Equal(0, index.PostingCount);
        Assert.Equal(0, index.TotalSeconds);
        Assert.Equal(-1, index.TrackAt(0));
        Assert.Equal(0, index.Lookup(0).Length);
        Assert.Equal(0, index.Lookup((1 << PairHasher.KeyBits) - 1).Length);
        Assert.Equal(0, new IndexBuilder().Build().PostingCount);
    }

    [Fact]
    public void Add_EmptyId_Throws()
    {
        Assert.Throws<ArgumentException>(() => new IndexBuilder().Add(string.Empty, [], 10));
    }

    [Fact]
    public void TotalSeconds_SumsTrackDurations()
    {
        var (index, peaks) = BuildIndex(2);

        var expected = peaks.Sum(p => FingerprintSettings.FrameToSeconds(p.FrameCount));
        Assert.Equal(expected, index.TotalSeconds, 6);
        Assert.InRange(index.TotalSeconds, 2 * 6 - 0.5, 2 * 6);
    }

    private static (FingerprintIndex Index, TrackPeaks[] Peaks) BuildIndex(int tracks)
    {
        var builder = new IndexBuilder();
        var all = new TrackPeaks[tracks];
        for (var i = 0; i < tracks; i++)
        {
            var extractor = new PeakExtractor();
            var peaks = new List<Peak>();
            extractor.Write(SyntheticMusic.Song(100 + i, 6), peaks);
            extractor.Flush(peaks);
            all[i] = TrackPeaks.FromPeaks(CollectionsMarshal.AsSpan(peaks), (int)extractor.Frames);
            builder.Add($"t{i}", all[i]);
        }

        return (builder.Build(), all);
    }

    private static List<HashedPair> HashReference(TrackPeaks peaks)
    {
        var points = new HashPoint[peaks.Count];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = PairHasher.ToPoint(peaks[i], SpeedHypothesis.Identity);
        }

        var pairs = new List<HashedPair>();
        PairHasher.Hash(points, 0, points.Length, PairHasher.ReferenceFanout, pairs);
        return pairs;
    }
}
