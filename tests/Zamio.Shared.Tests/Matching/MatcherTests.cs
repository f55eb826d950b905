using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Matching;

public class MatcherTests
{
    private const double ExcerptSeconds = 10;

    private static SyntheticCatalogue Catalogue => SyntheticCatalogue.Shared;

    [Theory]
    [InlineData(0, 20.0)]
    [InlineData(3, 8.0)]
    [InlineData(7, 0.0)]
    [InlineData(12, 13.37)]
    [InlineData(19, 19.5)]
    public void Match_CleanExcerpt_IdentifiesSongAndOffset(int song, double offset)
    {
        var excerpt = SyntheticMusic.Slice(Catalogue.Songs[song], offset, ExcerptSeconds);

        var best = Best(excerpt);

        AssertIdentified(best, song, offset, 1.0);
    }

    [Theory]
    [InlineData(2, 5.0, 1.04)]
    [InlineData(2, 5.0, 0.96)]
    [InlineData(9, 12.0, 1.04)]
    [InlineData(9, 12.0, 0.96)]
    [InlineData(15, 3.0, 1.02)]
    public void Match_SpeedChangedExcerpt_IdentifiesSongOffsetAndSpeed(int song, double offset, double speed)
    {
        var source = SyntheticMusic.Slice(Catalogue.Songs[song], offset, ExcerptSeconds * speed + 0.5);
        var excerpt = SyntheticMusic.Resample(source, speed).AsSpan(0, (int)(ExcerptSeconds * SyntheticMusic.SampleRate)).ToArray();

        var best = Best(excerpt);

        AssertIdentified(best, song, offset, speed);
    }

    [Theory]
    [InlineData(4, 10.0, 1)]
    [InlineData(11, 6.0, 2)]
    [InlineData(1, 40.0, 3)]
    public void Match_ExcerptWithNoiseAt10Db_StillIdentified(int song, double offset, int noiseSeed)
    {
        var excerpt = SyntheticMusic.AddNoise(SyntheticMusic.Slice(Catalogue.Songs[song], offset, ExcerptSeconds), 10, noiseSeed);

        var best = Best(excerpt);

        AssertIdentified(best, song, offset, 1.0);
    }

    // At -7 dB these excerpts' surviving landmarks vote for their place under a neighbouring speed cell only.
    [Theory]
    [InlineData(18, 17.0, 1.0, 4)]
    [InlineData(0, 14.0, 0.975, 3)]
    public void MatchClip_VotesOnlyUnderAnotherSpeed_IdentifiedAtItsOwnSpeed(int song, double offset, double speed, int noiseSeed)
    {
        var source = SyntheticMusic.Slice(Catalogue.Songs[song], offset, (ExcerptSeconds + 0.5) * speed);
        var excerpt = SyntheticMusic.Resample(source, speed).AsSpan(0, (int)(ExcerptSeconds * SyntheticMusic.SampleRate)).ToArray();
        var peaks = PeakExtractor.Extract(SyntheticMusic.AddNoise(excerpt, -7, noiseSeed));
        var byVotes = new Matcher(Catalogue.Index).Match(peaks);
        Assert.DoesNotContain(byVotes, m => m.Confidence >= MatcherOptions.Default.AcceptConfidence);

        var matches = new Matcher(Catalogue.Index).MatchClip(peaks);

        AssertIdentified(matches.Count > 0 ? matches[0] : null, song, offset, speed);
    }

    // Processing that smears onsets moves peaks by a frame; with most peaks lost too, no exact triplet key survives.
    [Theory]
    [InlineData(3, 0.5, 2)]
    [InlineData(18, 0.7, 2)]
    public void MatchClip_PeaksThinnedAndMovedByAFrame_Identified(int song, double movedShare, int seed)
    {
        const double offset = 10;
        var rng = new Random(seed);
        var peaks = PeakExtractor.Extract(SyntheticMusic.Slice(Catalogue.Songs[song], offset, 5))
            .Where(_ => rng.NextDouble() < 0.45)
            .Select(p => rng.NextDouble() < movedShare ? p with { Frame = p.Frame + (rng.Next(2) == 0 ? -1 : 1) } : p)
            .OrderBy(p => p.Frame)
            .ToArray();
        var byVotes = new Matcher(Catalogue.Index).Match(peaks);
        Assert.DoesNotContain(byVotes, m => m.Confidence >= MatcherOptions.Default.AcceptConfidence);

        var matches = new Matcher(Catalogue.Index).MatchClip(peaks);

        AssertIdentified(matches.Count > 0 ? matches[0] : null, song, offset, 1.0);
    }

    // Over 5 s a speed cell 2-3 % off still confirms most peaks: the best-scoring cell's slope is often a neighbour's.
    [Theory]
    [InlineData(0, 9.0, 1.0)]
    [InlineData(13, 9.0, 1.0)]
    [InlineData(3, 2.0, 1.0)]
    [InlineData(15, 9.0, 0.985)]
    public void MatchClip_FiveSecondExcerpt_ReportsItsOwnSpeed(int song, double offset, double speed)
    {
        var source = SyntheticMusic.Slice(Catalogue.Songs[song], offset, 5.5 * speed);
        var peaks = PeakExtractor.Extract(SyntheticMusic.Resample(source, speed).AsSpan(0, 5 * SyntheticMusic.SampleRate));
        var byCell = new Matcher(Catalogue.Index).Match(peaks)[0];
        Assert.True(Math.Abs(byCell.Speed - speed) > 0.01, $"the cell's speed {byCell.Speed:F4} is already right");

        var best = new Matcher(Catalogue.Index).MatchClip(peaks)[0];

        Assert.Equal(SyntheticCatalogue.IdOf(song), best.TrackId);
        Assert.InRange(best.Speed, speed - 0.005, speed + 0.005);
        Assert.InRange(best.Alignment.TrackFrame(0) / FingerprintSettings.FramesPerSecond, offset - 0.05, offset + 0.05);
    }

    [Theory]
    [InlineData(4, 10.0)]
    [InlineData(13, 0.0)]
    public void MatchClip_IdentifiedByVotes_SameTracksAndScoresAsMatch(int song, double offset)
    {
        var peaks = PeakExtractor.Extract(SyntheticMusic.Slice(Catalogue.Songs[song], offset, ExcerptSeconds));

        var byVotes = new Matcher(Catalogue.Index).Match(peaks);
        var clip = new Matcher(Catalogue.Index).MatchClip(peaks);

        Assert.Equal(byVotes.Select(m => (m.TrackId, m.Confidence, m.Score)), clip.Select(m => (m.TrackId, m.Confidence, m.Score)));
        Assert.Equal(byVotes.Skip(1), clip.Skip(1));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 4)]
    public void MatchClip_NoisySongNotInCatalogue_NoAcceptedMatch(int unknown, int noiseSeed)
    {
        var excerpt = SyntheticMusic.AddNoise(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(unknown), ExcerptSeconds), 3, noiseSeed);

        var matches = new Matcher(Catalogue.Index).MatchClip(PeakExtractor.Extract(excerpt));

        Assert.DoesNotContain(matches, m => m.Confidence >= MatcherOptions.Default.AcceptConfidence);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Match_SongNotInCatalogue_NoAcceptedMatch(int unknown)
    {
        var excerpt = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(unknown), ExcerptSeconds);

        AssertNothingAccepted(excerpt);
    }

    [Fact]
    public void Match_WhiteNoise_NoAcceptedMatch()
    {
        AssertNothingAccepted(SyntheticMusic.WhiteNoise((int)(ExcerptSeconds * SyntheticMusic.SampleRate), 0.1, 42));
    }

    [Fact]
    public void Match_Silence_NoMatchAtAll()
    {
        var matches = new Matcher(Catalogue.Index).Match(PeakExtractor.Extract(new float[(int)(ExcerptSeconds * SyntheticMusic.SampleRate)]));

        Assert.Empty(matches);
    }

    [Fact]
    public void Match_MixOfTwoSongs_BothReportedBestFirstOncePerTrack()
    {
        var a = SyntheticMusic.Slice(Catalogue.Songs[5], 4, ExcerptSeconds);
        var b = SyntheticMusic.Slice(Catalogue.Songs[6], 9, ExcerptSeconds);
        var mix = SyntheticMusic.Mix(a, b, 0.8f);

        var matches = new Matcher(Catalogue.Index).Match(PeakExtractor.Extract(mix));

        var accepted = matches.Where(m => m.Confidence >= MatcherOptions.Default.AcceptConfidence).Select(m => m.TrackId).Order().ToList();
        // Each song alone matches at z > 35 here, so both belong on the list and nothing else does.
        Assert.Equal([SyntheticCatalogue.IdOf(5), SyntheticCatalogue.IdOf(6)], accepted);
        Assert.Equal(matches.Count, matches.Select(m => m.TrackIndex).Distinct().Count());
        for (var i = 1; i < matches.Count; i++)
        {
            Assert.True(matches[i - 1].Confidence >= matches[i].Confidence, "matches not sorted best first");
        }
    }

    [Fact]
    public void Match_FewerThanTwoPeaks_Empty()
    {
        var matcher = new Matcher(Catalogue.Index);

        Assert.Empty(matcher.Match([]));
        Assert.Empty(matcher.Match([new Peak(3, 1600)]));
    }

    [Fact]
    public void Match_EmptyIndex_Empty()
    {
        var excerpt = SyntheticMusic.Slice(Catalogue.Songs[3], 2, ExcerptSeconds);

        Assert.Empty(new Matcher(FingerprintIndex.Empty).Match(PeakExtractor.Extract(excerpt)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Match_HopelessCandidatesDroppedBeforeTheChanceModel_SameMatchesAsScoringThemAll(int seed)
    {
        // With no reporting floor every candidate is scored in full; its matches above the default floor must be exactly
        // the default matcher's, which drops candidates that cannot reach that floor before scoring them. Short, buried
        // excerpts put candidates near that floor.
        var unfloored = new Matcher(Catalogue.Index, MatcherOptions.Default with { MinConfidence = 0 });
        var matcher = new Matcher(Catalogue.Index);
        var random = new Random(seed);
        int kept = 0, dropped = 0;
        foreach (var seconds in new[] { 3.0, 5.0, 10.0 })
        {
            foreach (var snr in new[] { -6.0, -3.0, 0.0, 5.0 })
            {
                var song = SyntheticMusic.Slice(Catalogue.Songs[random.Next(20)], random.Next(10), seconds);
                var peaks = PeakExtractor.Extract(SyntheticMusic.AddNoise(song, snr, random.Next()));

                var all = unfloored.Match(peaks);
                var reported = matcher.Match(peaks);

                Assert.Equal(all.Where(m => m.Confidence >= MatcherOptions.Default.MinConfidence), reported);
                kept += reported.Count;
                dropped += all.Count - reported.Count;
            }
        }

        Assert.True(kept > 0 && dropped > 0, $"{kept} kept, {dropped} dropped: the comparison shows nothing");
    }

    [Fact]
    public void Match_SameMatcherReused_SameResult()
    {
        var matcher = new Matcher(Catalogue.Index);
        var first = PeakExtractor.Extract(SyntheticMusic.Slice(Catalogue.Songs[8], 3, ExcerptSeconds));
        var other = PeakExtractor.Extract(SyntheticMusic.Slice(Catalogue.Songs[13], 10, ExcerptSeconds));

        var before = matcher.Match(first);
        matcher.Match(other);
        var after = matcher.Match(first);

        Assert.NotEmpty(before);
        Assert.Equal(before, after);
    }

    [Fact]
    public void MatchBlocks_SongAtAPreferredSpeedCrowdedOutOfTheBestVotes_VerifiedAllTheSame()
    {
        // Eight songs 4 % fast, 3 s each, then 1.5 s of song 12 at its own speed: the fast songs hold the whole grid's best vote
        // peaks. Between songs a stream prefers the last song's speeds, and their best places are verified too.
        var fast = Enumerable.Range(2, 8).Select(k => SyntheticMusic.Resample(SyntheticMusic.Slice(Catalogue.Songs[k], 5, 3), 1.04));
        var query = SyntheticMusic.Concat([.. fast, SyntheticMusic.Slice(Catalogue.Songs[12], 3, 1.5)]);
        var peaks = PeakExtractor.Extract(query).ToArray();
        var matcher = new Matcher(Catalogue.Index);
        var block = new BlockVotes();
        matcher.VoteBlock(peaks, peaks.Length, 0, 0, block);
        var identity = matcher.Speeds.ToList().IndexOf(SpeedHypothesis.Identity);

        var plain = matcher.MatchBlocks(peaks, 0, [block]);
        var preferring = matcher.MatchBlocks(peaks, 0, [block], [identity]);

        Assert.DoesNotContain(plain, m => m.TrackId == "song12");
        var song = Assert.Single(preferring, m => m.TrackId == "song12");
        Assert.True(song.Confidence >= MatcherOptions.Default.AcceptConfidence, $"confidence {song.Confidence:F3}");
        Assert.InRange(song.Speed, 0.99, 1.01);
        Assert.Contains(plain, m => m.TrackId != "song12");
    }

    [Fact]
    public void VoteAdded_BlockGrowingSecondBySecond_SameVotesAsVotingItWhole()
    {
        var peaks = PeakExtractor.Extract(SyntheticMusic.Slice(Catalogue.Songs[6], 2, 4)).Select(p => p with { Frame = p.Frame + 500 }).ToArray();
        var matcher = new Matcher(Catalogue.Index);
        var whole = new BlockVotes();
        matcher.VoteBlock(peaks, peaks.Length, 500, 0, whole);

        var grown = new BlockVotes();
        var arrived = 0;
        foreach (var end in new[] { 531, 562, 593, 625 })
        {
            var to = Peak.FirstAtOrAfter(peaks, end);
            if (arrived == 0)
            {
                matcher.VoteBlock(peaks.AsSpan(0, to), to, 500, 0, grown);
            }
            else
            {
                matcher.VoteAdded(peaks.AsSpan(0, to), to, arrived, 0, grown);
            }

            arrived = to;
        }

        Assert.Equal(peaks.Length, arrived);
        Assert.True(whole.Count > 200, $"{whole.Count} votes");
        Assert.Equal(whole.Keys.ToArray(), grown.Keys.ToArray());
    }

    [Fact]
    public void VoteAdded_BlockOfAnotherEpoch_Throws()
    {
        var peaks = PeakExtractor.Extract(SyntheticMusic.Slice(Catalogue.Songs[6], 2, 2));
        var matcher = new Matcher(Catalogue.Index);
        var block = new BlockVotes();
        matcher.VoteBlock(peaks, peaks.Length / 2, 0, 0, block);

        Assert.Throws<ArgumentException>(() => matcher.VoteAdded(peaks, peaks.Length, peaks.Length / 2, 125, block));
    }

    [Fact]
    public void MatchClip_EveryOtherPeakAFrameLate_FoundByTheJitteredSearchUnlessOverItsVoteBudget()
    {
        // A track of one peak every 4 frames, each anchor's targets its next three: with every other peak of a stretch a
        // frame late, every triplet of the stretch has a time difference a frame off, so no exact key is left, while every
        // peak stays where verification looks for it.
        var rng = new Random(11);
        var track = Enumerable.Range(0, 400).Select(i => new Peak(10 + 4 * i, (ushort)(16 * rng.Next(100, 140)))).ToArray();
        var builder = new IndexBuilder();
        builder.Add("ticks", TrackPeaks.FromPeaks(track, track[^1].Frame + 10));
        builder.Add("song03", TrackPeaks.FromPeaks(PeakExtractor.Extract(Catalogue.Songs[3]), FingerprintSettings.SecondsToFrame(30)));
        var index = builder.Build();
        var clip = track[100..180].Select((p, i) => p with { Frame = p.Frame + (i % 2) }).ToArray();

        var plain = new Matcher(index).Match(clip);
        var searched = new Matcher(index).MatchClip(clip);
        var overBudget = new Matcher(index, MatcherOptions.Default with { JitteredSearchMaxVotes = 0 }).MatchClip(clip);

        Assert.DoesNotContain(plain, m => m.Confidence >= MatcherOptions.Default.AcceptConfidence);
        Assert.Equal("ticks", searched[0].TrackId);
        Assert.True(searched[0].Confidence >= MatcherOptions.Default.AcceptConfidence, $"confidence {searched[0].Confidence:F3}");
        Assert.DoesNotContain(overBudget, m => m.Confidence >= MatcherOptions.Default.AcceptConfidence);
    }

    [Fact]
    public void Constructor_NoSpeedHypotheses_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Matcher(Catalogue.Index, speeds: []));
    }

    private static TrackMatch? Best(float[] excerpt)
    {
        var matches = new Matcher(Catalogue.Index).Match(PeakExtractor.Extract(excerpt));
        return matches.Count > 0 ? matches[0] : null;
    }

    private static void AssertIdentified(TrackMatch? best, int song, double offsetSeconds, double speed)
    {
        Assert.NotNull(best);
        Assert.Equal(SyntheticCatalogue.IdOf(song), best.TrackId);
        Assert.Equal(song, best.TrackIndex);
        Assert.True(best.Confidence >= 0.9, $"confidence {best.Confidence:F3} (z {best.Score:F1})");
        var reportedOffset = best.Alignment.TrackFrame(0) / FingerprintSettings.FramesPerSecond;
        Assert.InRange(reportedOffset, offsetSeconds - 0.2, offsetSeconds + 0.2);
        Assert.InRange(best.Speed, speed - 0.01, speed + 0.01);
    }

    private static void AssertNothingAccepted(float[] audio)
    {
        var matches = new Matcher(Catalogue.Index).Match(PeakExtractor.Extract(audio));

        Assert.All(matches, m => Assert.True(
            m.Confidence < MatcherOptions.Default.AcceptConfidence, $"{m.TrackId} accepted with confidence {m.Confidence:F3} (z {m.Score:F1})"));
    }
}
