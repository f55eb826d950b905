using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Matching;

public class StreamMatcherTests
{
    private const int Rate = SyntheticMusic.SampleRate;

    private static readonly Lazy<float[]> Audio = new(() => SyntheticMusic.Concat(
        SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 20),
        SyntheticMusic.WhiteNoise(6 * Rate, 0.05, 3),
        SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[4], 5, 20)));

    [Fact]
    public void Append_Stream_WindowsOfFixedSizeAtFixedStep()
    {
        var windows = Run(Audio.Value, 2 * Rate).Where(w => !w.Confirms && !w.Early).ToList();

        Assert.True(windows.Count >= 10, $"{windows.Count} windows");
        for (var i = 0; i < windows.Count - 1; i++)
        {
            // The first windows are partial (they start with the stream) so a song on air from the start is named early. They
            // end a peak delay before each step, so an early decision comes with the audio up to the step.
            Assert.Equal((i + 1L) * StreamMatcher.StepFrames - StreamMatcher.PeakDelayFrames, windows[i].EndFrame);
            Assert.Equal(Math.Max(0, windows[i].EndFrame - StreamMatcher.WindowFrames), windows[i].StartFrame);
        }
    }

    [Theory]
    [InlineData(40)]
    [InlineData(110)]
    public void Append_WindowPhase_WindowsEndThatMuchEarlierInEachStepAndNameTheSameSongs(int phase)
    {
        var all = Run(Audio.Value, 2 * Rate, windowPhase: phase);
        var windows = all.Where(w => !w.Confirms && !w.Early).ToList();

        Assert.True(windows.Count >= 10, $"{windows.Count} windows");
        var first = windows[0].EndFrame;
        // No first window shorter than a step: it would name fewer songs.
        Assert.InRange(first, StreamMatcher.StepFrames - StreamMatcher.PeakDelayFrames, (2 * StreamMatcher.StepFrames) - StreamMatcher.PeakDelayFrames - 1);
        for (var i = 0; i < windows.Count - 1; i++)
        {
            Assert.Equal(0, (windows[i].EndFrame + phase + StreamMatcher.PeakDelayFrames) % StreamMatcher.StepFrames);
            Assert.Equal(first + (i * (long)StreamMatcher.StepFrames), windows[i].EndFrame);
        }

        var named = all.SelectMany(w => w.Matches).Select(m => m.TrackId).Distinct().Order();
        Assert.Equal(["song03", "song04"], named);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(125)]
    public void Constructor_WindowPhaseOutsideTheStep_Throws(int phase)
    {
        Assert.Equal(125, StreamMatcher.StepFrames);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamMatcher(new Matcher(SyntheticCatalogue.Shared.Index), phase));
    }

    [Fact]
    public void Append_Stream_AcceptedMatchesNameTheSongOnAir()
    {
        var windows = Run(Audio.Value, 2 * Rate);

        foreach (var window in windows)
        {
            var startSeconds = FingerprintSettings.FrameCentreSeconds(window.StartFrame);
            var endSeconds = FingerprintSettings.FrameCentreSeconds(window.EndFrame);
            var expected = endSeconds <= 20.5 ? "song03" : startSeconds >= 25.5 ? "song04" : null;
            if (expected is not null)
            {
                var match = Assert.Single(window.Matches);
                Assert.Equal(expected, match.TrackId);
                Assert.True(match.FirstMatchFrame < window.EndFrame);
            }

            Assert.All(window.Matches, m => Assert.True(m.Confidence >= MatcherOptions.Default.AcceptConfidence));
        }
    }

    [Fact]
    public void Append_SongPlayingOnPastAWindow_WindowClaimsNoEvidencePastItsEnd()
    {
        // The lookahead's peaks help a window's vote, but what sounds there is the next window's to judge: hits there that
        // the next window does not confirm carried a play's end into the song after it.
        var windows = Run(Audio.Value, 2 * Rate).Where(w => !w.Confirms).ToList();

        Assert.Contains(windows, w => w.Matches.Count > 0);
        Assert.All(windows, w => Assert.All(w.Matches, m => Assert.True(m.LastMatchFrame <= w.EndFrame, $"{m.TrackId} evidence to {m.LastMatchFrame}, window ends at {w.EndFrame}")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(7 * Rate + 1)]
    public void Append_DifferentBlockSizes_SameRegularWindowResults(int blockSize)
    {
        // Early decisions are taken on what has arrived (that is their point); every other window is the same however the
        // stream is cut.
        var reference = Describe(Run(Audio.Value, 2 * Rate).Where(w => !w.Early).ToList());

        var windows = Describe(Run(Audio.Value, blockSize).Where(w => !w.Early).ToList());

        Assert.Equal(reference, windows);
    }

    [Fact]
    public void Append_EarlyDecisionsOff_NoEarlyWindowsAndTheSameRegularWindows()
    {
        // An instance behind its stations sheds the early decisions; what it decides otherwise must not change.
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 20),
            SyntheticMusic.WhiteNoise(4 * Rate, 0.05, 3),
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[4], 5, 20));
        var with = Run(audio, Rate);

        var without = Run(audio, Rate, earlyDecisions: false);

        Assert.Contains(with, w => w.Early);
        Assert.DoesNotContain(without, w => w.Early);
        Assert.Equal(Describe(with.Where(w => !w.Early && !w.Confirms).ToList()), Describe(without.Where(w => !w.Confirms).ToList()));
    }

    [Fact]
    public void ReleaseVotes_MidStream_SameWindowResults()
    {
        var reference = Describe(Run(Audio.Value, 2 * Rate));

        var released = Describe(Run(Audio.Value, 2 * Rate, releaseVotesEvery: 3));

        Assert.Equal(reference, released);
    }

    [Fact]
    public void Append_SpedUpSongRightAfterSongAtOriginalSpeed_BothNamedWithTheirSpeeds()
    {
        // While a song at its original speed is identified only speeds near the identity are searched; the
        // full grid must come back for a sped-up song that follows without a break.
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 20),
            SyntheticMusic.Resample(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[5], 0, 24), 1.04));

        var matches = Run(audio, 2 * Rate).SelectMany(w => w.Matches).ToList();

        Assert.Contains(matches, m => m.TrackId == "song03" && Math.Abs(m.Speed - 1) < 0.005);
        Assert.Contains(matches, m => m.TrackId == "song05" && Math.Abs(m.Speed - 1.04) < 0.005);
        Assert.DoesNotContain(matches, m => m.TrackId is not "song03" and not "song05");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.04)]
    [InlineData(0.96)]
    public void Append_StreamStartingInASong_NamedInTheFirstWindowAtItsSpeed(double speed)
    {
        // A new stream searches the original speed first; a first window that names nothing there is matched again on
        // the whole grid at once, not a step later.
        var audio = SyntheticMusic.Resample(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[5], 3, 20), speed);

        var first = Run(audio, 2 * Rate).First(w => !w.Confirms && !w.Early);

        Assert.Equal(StreamMatcher.StepFrames - StreamMatcher.PeakDelayFrames, first.EndFrame);
        var match = Assert.Single(first.Matches);
        Assert.Equal("song05", match.TrackId);
        Assert.Equal(speed, match.Speed, 0.005);
    }

    [Fact]
    public void Append_SlowedSongRightAfterSpedUpSong_NamedInTheFirstWindowHoldingFourSecondsOfIt()
    {
        // While a sped-up song is identified only the speeds around it are searched. The window where its evidence stops
        // short of the end is matched again on the whole grid, so a next song at another speed is not missed there.
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Resample(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 20.8), 1.04),
            SyntheticMusic.Resample(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[5], 0, 20), 0.96));

        var windows = Run(audio, 2 * Rate).Where(w => !w.Confirms && !w.Early).ToList();

        Assert.Contains(windows, w => w.Matches.Any(m => m.TrackId == "song03" && Math.Abs(m.Speed - 1.04) < 0.005));
        var first = windows.First(w => w.Matches.Any(m => m.TrackId == "song05"));
        Assert.Equal(FingerprintSettings.SecondsToFrame(24) - StreamMatcher.PeakDelayFrames, first.EndFrame);
        Assert.Contains(first.Matches, m => m.TrackId == "song05" && Math.Abs(m.Speed - 0.96) < 0.005);
    }

    [Fact]
    public void Append_SongFoundFirst_ConfirmedOnTheNextTwoSecondsBeforeTheNextWindow()
    {
        var results = Run(Audio.Value, 2 * Rate);

        var confirmations = results.Where(w => w.Confirms).ToList();
        Assert.Equal(["song03", "song04"], confirmations.SelectMany(c => c.Matches).Select(m => m.TrackId));
        foreach (var confirmation in confirmations)
        {
            // It checks the peaks after the window that found the song first, at that window's alignment, and is known
            // long before the next window: by the end of the 2 s after the window, whose audio a live window waits for too.
            var previous = results[results.IndexOf(confirmation) - 1];
            Assert.False(previous.Confirms);
            Assert.Equal(previous.EndFrame, confirmation.StartFrame);
            Assert.Equal(previous.EndFrame + FingerprintSettings.SecondsToFrame(2), confirmation.DecidedAtFrame);
            var match = Assert.Single(confirmation.Matches);
            var found = Assert.Single(previous.Matches, m => m.TrackId == match.TrackId);
            Assert.Equal(found.Alignment, match.Alignment);
            // (An early decision may have named it before, below a play's bar; the regular window is the first to stand.)
            Assert.DoesNotContain(results.Where(w => !w.Confirms && !w.Early && w.EndFrame < previous.EndFrame).SelectMany(w => w.Matches), m => m.TrackId == match.TrackId);
            Assert.True(confirmation.DecidedAtFrame < previous.DecidedAtFrame + StreamMatcher.StepFrames);
            Assert.InRange(match.FirstMatchFrame, confirmation.StartFrame, match.LastMatchFrame);
            Assert.InRange(match.LastMatchFrame, match.FirstMatchFrame, confirmation.EndFrame);
        }
    }

    [Fact]
    public void Append_SongAfterABreak_NamedEarlyBeforeTheRegularDecision()
    {
        // song04 enters at 24 s, 3.8 s before a window ends: enough for one window without the lookahead.
        var results = SongAfterABreak(songFor: 20, breakFor: 4, next: 4);

        var first = AssertNamedEarly(results, "song04");

        // While a song goes on its windows are decided once: song03, on for the first 20 s, gets no early decision. Nor does
        // the stream before it has named a song.
        var song03 = results.Where(w => !w.Early && !w.Confirms && w.Matches.Any(m => m.TrackId == "song03")).ToList();
        Assert.True(song03.Count >= 4);
        Assert.DoesNotContain(results, w => w.Early && w.EndFrame <= FingerprintSettings.SecondsToFrame(20));
        Assert.True(first.EndFrame > FingerprintSettings.SecondsToFrame(24));
    }

    [Fact]
    public void Append_SongAfterABreakAtAnotherSpeed_NamedEarly()
    {
        // Songs sped up one by one: song03 at its own speed, then song08 4 % fast. The early vote searches every speed, not
        // only the last song's.
        var results = Run(
            SyntheticMusic.Concat(
                SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 18),
                SyntheticMusic.WhiteNoise(6 * Rate, 0.05, 3),
                SyntheticMusic.Resample(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[8], 5, 20), 1.04)),
            2 * Rate);

        var first = AssertNamedEarly(results, "song08");
        Assert.InRange(first.Matches.Single(m => m.TrackId == "song08").Speed, 1.03, 1.05);
    }

    [Fact]
    public void Append_OneSecondPackets_DecideWithEveryPacketBetweenSongsAndNameTheNextSongNoLater()
    {
        // song03 until 18 s, noise until 24 s, then song08. Early decisions (only those that find something are reported)
        // are taken on the newest peaks of every packet: every second with 1 s packets, every other with 2 s ones.
        var oneSecond = SongAfterABreak(songFor: 18, breakFor: 6, next: 8, packet: Rate).Where(w => w.Early).ToList();
        var twoSeconds = SongAfterABreak(songFor: 18, breakFor: 6, next: 8, packet: 2 * Rate).Where(w => w.Early).ToList();

        var entering = oneSecond.Where(w => w.Matches.Any(m => m.TrackId == "song08")).ToList();
        Assert.True(entering.Count >= 3, string.Join(", ", entering.Select(w => w.EndFrame)));
        // Each on the newest peaks of the packet that brought them (a step's end is decided even when the packet ran past it).
        Assert.All(entering, w => Assert.True(PacketClocks(Rate).Contains(w.DecidedAtFrame) || IsStepEnd(w), $"decided at {w.DecidedAtFrame}"));
        Assert.All(twoSeconds, w => Assert.True(PacketClocks(2 * Rate).Contains(w.DecidedAtFrame) || IsStepEnd(w), $"decided at {w.DecidedAtFrame}"));
        Assert.True(twoSeconds.Count < oneSecond.Count, $"{twoSeconds.Count} early results in 2 s packets, {oneSecond.Count} in 1 s packets");
        var namedInOne = entering[0];
        var namedInTwo = twoSeconds.First(w => w.Matches.Any(m => m.TrackId == "song08"));
        Assert.True(namedInOne.DecidedAtFrame <= namedInTwo.DecidedAtFrame, $"{namedInOne.DecidedAtFrame} against {namedInTwo.DecidedAtFrame}");
    }

    [Fact]
    public void Append_SongEndedBeforeABreak_EarlyDecisionsNameOnlyWhatSoundsInTheirNewestSeconds()
    {
        // Between songs the early vote searches every speed over seconds the last song already explained; a track sharing
        // that ending at another speed could be named from them. A song that begins now sounds in the newest 2 s.
        var results = SongAfterABreak(songFor: 22, breakFor: 6, next: 4);

        var early = results.Where(w => w.Early).ToList();
        Assert.Contains(early, w => w.Matches.Any(m => m.TrackId == "song04"));
        var newest = FingerprintSettings.SecondsToFrame(2);
        Assert.All(early, w => Assert.All(w.Matches, m =>
            Assert.True(m.LastMatchFrame >= w.EndFrame - newest, $"{m.TrackId} evidence to {m.LastMatchFrame}, early window to {w.EndFrame}")));
    }

    [Fact]
    public void Append_NewSongJustBelowTheEarlyBar_CheckedOnTheNextSecondAndShownBeforeTheRegularDecision()
    {
        // song04 enters at 24 s under noise 6 dB down: its early decisions score between 8 and 10, below a single window's bar.
        var results = Run(SongUnderNoiseAfterABreak(next: 4, snrDb: 6), Rate);

        var firstEarly = results.First(w => w.Early && w.Matches.Any(m => m.TrackId == "song04"));
        Assert.InRange(firstEarly.Matches.Single(m => m.TrackId == "song04").Score, 8, PlayTrackerOptions.Default.SingleWindowScore);
        var check = results.First(w => w.Confirms && w.Matches.Any(m => m.TrackId == "song04"));
        var checkedEarly = results.Single(w => w.Early && w.EndFrame == check.StartFrame);
        Assert.Equal(checkedEarly.EndFrame + FingerprintSettings.SecondsToFrame(1), check.EndFrame);
        Assert.Equal(checkedEarly.Matches.Single(m => m.TrackId == "song04").Alignment, check.Matches.Single().Alignment);

        // The tracker shows the song on that check, before any regular window names it.
        var shownAt = ShownAt(results, "song04");
        var regular = results.First(w => !w.Early && !w.Confirms && w.Matches.Any(m => m.TrackId == "song04"));
        Assert.Equal(check.DecidedAtFrame, shownAt);
        Assert.True(shownAt < regular.DecidedAtFrame, $"shown at {shownAt}, regular decision at {regular.DecidedAtFrame}");
    }

    [Theory]
    [InlineData(1, -8, false)]
    [InlineData(10, -2, true)]
    public void Append_CheckShortOfPeaks_RunAgainWithTheNextSecondAndShownBeforeTheNextWindow(int next, double snrDb, bool early)
    {
        // Under noise the peaks right after a new song's first match (a regular window's, or an early decision's) hold too
        // few landmarks to confirm it; the check is run again a second later on those peaks and the new ones.
        var results = Run(SongUnderNoiseAfterABreak(next, snrDb), Rate);
        var track = $"song{next:D2}";

        var check = results.First(w => w.Confirms && w.Matches.Any(m => m.TrackId == track));
        var found = results.Single(w => !w.Confirms && w.Early == early && w.EndFrame == check.StartFrame && w.Matches.Any(m => m.TrackId == track));
        var firstSpan = early ? FingerprintSettings.SecondsToFrame(1) : FingerprintSettings.SecondsToFrame(2) - StreamMatcher.PeakDelayFrames;
        var retries = (check.EndFrame - check.StartFrame - firstSpan) / (double)FingerprintSettings.SecondsToFrame(1);
        Assert.True(retries is 1 or 2, $"checked on {check.EndFrame - check.StartFrame} frames after it");
        Assert.Equal(found.Matches.Single(m => m.TrackId == track).Alignment, check.Matches.Single().Alignment);

        // The tracker shows the song on that check, before the next regular window would have.
        var shownAt = ShownAt(results, track);
        Assert.Equal(check.DecidedAtFrame, shownAt);
        var nextRegular = results.First(w => !w.Early && !w.Confirms && w.EndFrame > check.StartFrame);
        Assert.True(shownAt < nextRegular.DecidedAtFrame, $"shown at {shownAt}, next regular decision at {nextRegular.DecidedAtFrame}");
    }

    [Fact]
    public void Append_NewSongFoundTooWeaklyToShowInItsFirstWindow_EarlyDecisionsGoOnAndShowItWithinASecond()
    {
        // song04 under noise 4 dB louder than it: its first window finds it below the bar for showing it. The early
        // decisions between songs go on (that airing is no song going on), and show it within a second of that window's
        // decision, not a step later.
        var results = Run(SongUnderNoiseAfterABreak(next: 4, snrDb: -4), Rate);

        var regular = results.Where(w => !w.Early && !w.Confirms && w.Matches.Any(m => m.TrackId == "song04")).ToList();
        Assert.True(regular[0].Matches.Single(m => m.TrackId == "song04").Confidence < PlayTrackerOptions.Default.MinPeakConfidence);
        Assert.Contains(results, w => w.Early && w.EndFrame > regular[0].EndFrame && w.EndFrame < regular[1].EndFrame
            && w.Matches.Any(m => m.TrackId == "song04"));
        var shownAt = ShownAt(results, "song04");
        Assert.InRange(shownAt, regular[0].DecidedAtFrame, regular[0].DecidedAtFrame + FingerprintSettings.SecondsToFrame(1));
    }

    [Fact]
    public void Append_SongRightAfterAnother_NamedEarlyOnceTheFirstNoLongerExplainsTheNewestPeaks()
    {
        // No gap: song03's last evidence is in the very block where song04 begins, and song04 is named early all the same.
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 21),
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[4], 5, 20));
        var results = Run(audio, 2 * Rate);

        AssertNamedEarly(results, "song04");
    }

    [Fact]
    public void Append_LoopBasedSongAiredTwice_OtherPassesOfItsLoopMarkedTheSecondAiringNot()
    {
        // A track built on a 6 s loop between an 8 s intro and an 8 s ending, aired whole and then again from its top.
        // Windows inside the loop pick one pass or another of it; each jump is read at the previous window's alignment
        // too, which explains the loop just as well. The second airing's first windows fall past the first airing's end.
        var loop = SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[5], 0, 6);
        var track = SyntheticMusic.Concat(
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[6], 0, 8), loop, loop, loop, loop, loop, loop,
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[7], 0, 8));
        var audio = SyntheticMusic.Concat(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 12), track, SyntheticMusic.Slice(track, 0, 30));
        var secondAiring = FingerprintSettings.SecondsToFrame(64);

        var windows = Run(audio, 2 * Rate, index: SyntheticCatalogue.IndexWith("looped", track));

        var regular = windows.Where(w => !w.Early && !w.Confirms).Select(w => w.Matches.SingleOrDefault(m => m.TrackId == "looped")).ToList();
        var jumps = regular.Zip(regular.Skip(1))
            .Where(p => p.First is not null && p.Second is not null && p.Second.FirstMatchFrame < secondAiring
                && Math.Abs(p.First.Alignment.TrackFrame(p.Second.FirstMatchFrame) - p.Second.Alignment.TrackFrame(p.Second.FirstMatchFrame)) > 1)
            .Select(p => p.Second!).ToList();
        Assert.NotEmpty(jumps);
        Assert.All(jumps, m => Assert.True(m.LoopPass));
        var again = regular.First(m => m is not null && m.FirstMatchFrame >= secondAiring && m.Alignment.TrackFrame(m.FirstMatchFrame) < 1)!;
        Assert.False(again.LoopPass);
        var tracker = new PlayTracker();
        var changes = windows.SelectMany(tracker.Observe).ToList();
        changes.AddRange(tracker.Complete());
        Assert.Equal(2, changes.Where(p => p.Status == PlayStatus.Closed && p.TrackId == "looped").Select(p => p.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(52, null, 1)]
    [InlineData(15, false, 2)]
    public void Append_SongHeardAgainAfterAGap_MarkedWhereItsEarlierAlignmentExplainsNothing(int resumeAt, bool? explains, int plays)
    {
        // song00 for 20 s, 32 s of quiet noise (its play closes), then song00 again: from 52 s it went on under the noise;
        // from 15 s it was aired again (not from its top), and the alignment it was last heard at explains none of that.
        // The first window to find it is an early decision (the song comes back just after a window's end).
        var song = SyntheticCatalogue.Shared.Songs[0];
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(song, 0, 20), SyntheticMusic.WhiteNoise(32 * Rate, 0.05, 5), SyntheticMusic.Slice(song, resumeAt, 8));
        var gapEnd = FingerprintSettings.SecondsToFrame(52);

        var windows = Run(audio, 2 * Rate);

        var again = windows.Where(w => !w.Confirms).SelectMany(w => w.Matches)
            .First(m => m.TrackId == "song00" && m.Confidence > 0 && m.FirstMatchFrame >= gapEnd);
        Assert.Equal(explains, again.EarlierAlignmentExplains);
        var tracker = new PlayTracker();
        var changes = windows.SelectMany(tracker.Observe).ToList();
        changes.AddRange(tracker.Complete());
        Assert.Equal(plays, changes.Where(p => p.Status == PlayStatus.Closed && p.TrackId == "song00").Select(p => p.Id).Distinct().Count());
    }

    // The frames analysed after each packet of the given samples: when a packet's decisions are known.
    private static HashSet<long> PacketClocks(int packet) =>
        [.. Enumerable.Range(1, 400).Select(n => (long)(n * packet - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1)];

    // A decision at the end of a step (phase 0), which is taken even in a packet that ran past it.
    private static bool IsStepEnd(WindowResult w) => (w.EndFrame + StreamMatcher.PeakDelayFrames) % StreamMatcher.StepFrames == 0;

    // song03 for songFor seconds, quiet noise for breakFor, then 15 s of song `next` from its 5th second; in 2 s packets.
    private static List<WindowResult> SongAfterABreak(int songFor, int breakFor, int next, int packet = 2 * Rate) => Run(
        SyntheticMusic.Concat(
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, songFor),
            SyntheticMusic.WhiteNoise(breakFor * Rate, 0.05, 3),
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[next], 5, 20)),
        packet);

    private static float[] SongUnderNoiseAfterABreak(int next, double snrDb) => SyntheticMusic.Concat(
        SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[3], 0, 18),
        SyntheticMusic.WhiteNoise(6 * Rate, 0.05, 3),
        SyntheticMusic.AddNoise(SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[next], 5, 20), snrDb, 7));

    // When a play tracker fed these results first shows the track as ongoing.
    private static long ShownAt(List<WindowResult> results, string track)
    {
        var tracker = new PlayTracker();
        return results.First(w => tracker.Observe(w).Any(p => p.TrackId == track && p.Status == PlayStatus.Ongoing)).DecidedAtFrame;
    }

    // The first result to name the track is an early one, clear enough for a play on its own, decided on the newest peaks of
    // the packet that brought it and before the regular decision of any window that names it.
    private static WindowResult AssertNamedEarly(List<WindowResult> results, string track, int packet = 2 * Rate)
    {
        var named = results.Where(w => w.Matches.Any(m => m.TrackId == track)).ToList();
        // (A weaker early match, checked on the next second, may name it sooner still.)
        Assert.True(named[0].Early);
        var first = named.First(w => w.Early && w.Matches.Single(m => m.TrackId == track).Score >= PlayTrackerOptions.Default.SingleWindowScore);
        var regular = named.First(w => !w.Early && !w.Confirms);
        Assert.True(first.DecidedAtFrame < regular.DecidedAtFrame, $"early {first.DecidedAtFrame}, regular {regular.DecidedAtFrame}");
        Assert.Contains(first.DecidedAtFrame, PacketClocks(packet));

        Assert.Contains(regular.Matches, m => m.TrackId == track);
        return first;
    }

    [Fact]
    public void Append_StreamRunningForDays_StillNamesTheSongs()
    {
        // Vote offsets are taken against an epoch that moves on daily; 80 hours from the first frame would be
        // beyond the vote key's range without it.
        var dayAndMore = FingerprintSettings.SecondsToFrame(80 * 3600);
        var peaks = PeakExtractor.Extract(Audio.Value);
        var frames = (Audio.Value.Length - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1;
        var stream = new StreamMatcher(new Matcher(SyntheticCatalogue.Shared.Index));
        var windows = new List<WindowResult>();
        stream.Append([], dayAndMore, _ => { });

        stream.Append([.. peaks.Select(p => p with { Frame = p.Frame + dayAndMore })], dayAndMore + frames, windows.Add);

        var named = windows.SelectMany(w => w.Matches).Select(m => m.TrackId).Distinct().Order();
        Assert.Equal(["song03", "song04"], named);
    }

    [Fact]
    public void Complete_ShortStream_FinalPartialWindowNamesTheSong()
    {
        var clip = SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[9], 3, 5);
        var peaks = PeakExtractor.Extract(clip);
        var frames = (clip.Length - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1;
        var stream = new StreamMatcher(new Matcher(SyntheticCatalogue.Shared.Index));
        var windows = new List<WindowResult>();

        stream.Append(peaks, frames, windows.Add);
        var beforeComplete = windows.Count;
        stream.Complete(frames, windows.Add);
        stream.Complete(frames, windows.Add);

        Assert.Equal(beforeComplete + 1, windows.Count);
        var final = windows[^1];
        Assert.Equal(0, final.StartFrame);
        Assert.Equal(frames, final.EndFrame);
        Assert.True(final.Matches.Count == 1, string.Join("; ", Describe(windows)));
        Assert.Equal("song09", Assert.Single(final.Matches).TrackId);
    }

    [Theory]
    [InlineData(4f, false)]
    [InlineData(10f, false)]
    [InlineData(14f, false)]
    [InlineData(4f, true)]
    [InlineData(10f, true)]
    [InlineData(14f, true)]
    public void Append_IntroUnderLouderPresenter_PlayStartsWhereTheSongBegins(float presenterGain, bool withSupport)
    {
        // A presenter (another, louder sound) over the first 12 s of the song masks most of its peaks (at 10x no
        // 2 s stretch stands out on its own); the start must still be found where the song begins, not where it
        // comes out of the talk-over, and not in the 8 s of presenter before it.
        var song = SyntheticCatalogue.Shared.Songs[1];
        var presenter = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 20);
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(presenter, 0, 8),
            SyntheticMusic.Mix(SyntheticMusic.Slice(song, 0, 12), SyntheticMusic.Slice(presenter, 8, 12), presenterGain),
            SyntheticMusic.Slice(song, 12, 30));

        var matches = Run(audio, 2 * Rate, withSupport: withSupport).SelectMany(w => w.Matches).ToList();

        Assert.All(matches, m => Assert.Equal("song01", m.TrackId));
        var start = FingerprintSettings.FrameCentreSeconds(matches.Min(m => m.FirstMatchFrame));
        Assert.True(start >= 7 && start <= 11, $"start {start}");
    }

    [Theory]
    [InlineData(0.7, 8, false)]
    [InlineData(0, 22, false)]
    [InlineData(0.7, 8, true)]
    [InlineData(0, 22, true)]
    public void Append_PresenterBuryingTheIntroAfterAClearMoment_StartFoundOnlyFromThatMoment(double clearSeconds, double expectedStart, bool withSupport)
    {
        // Talk so loud that no peak of the song survives under it for 14 s (noise 40 dB above the song). When the song
        // was clear for a moment before the talk began, that moment marks the start; when the talk began with the song,
        // nothing does, and the start is where the song comes out of the talk (the engine does not guess).
        var song = SyntheticCatalogue.Shared.Songs[1];
        var presenter = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 8);
        var audio = SyntheticMusic.Concat(
            presenter,
            SyntheticMusic.Slice(song, 0, clearSeconds),
            SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, clearSeconds, 14), -40, seed: 5),
            SyntheticMusic.Slice(song, clearSeconds + 14, 20));

        var matches = Run(audio, 2 * Rate, withSupport: withSupport).SelectMany(w => w.Matches).ToList();

        Assert.All(matches, m => Assert.Equal("song01", m.TrackId));
        var start = FingerprintSettings.FrameCentreSeconds(matches.Min(m => m.FirstMatchFrame));
        Assert.True(Math.Abs(start - expectedStart) <= 1.0, $"start {start:F2}, expected {expectedStart}");
    }

    [Fact]
    public void Append_IntroUnderNoiseWithSupport_StartFoundUnderTheNoise()
    {
        // White noise 20 dB above the song over its first 14 s leaves no landmark of it, but its held notes still
        // make support peaks: the start moves back into the noise, towards where the song begins (8 s).
        var song = SyntheticCatalogue.Shared.Songs[1];
        var noisy = SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, 0, 14), -20, seed: 5);
        var audio = SyntheticMusic.Concat(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 8), noisy, SyntheticMusic.Slice(song, 14, 20));

        var landmarksOnly = StartSeconds(Run(audio, 2 * Rate));
        var withSupport = StartSeconds(Run(audio, 2 * Rate, withSupport: true));

        Assert.InRange(landmarksOnly, 21, 23);
        Assert.InRange(withSupport, 8, 16);
    }

    [Fact]
    public void Append_IntroUnderNoiseWithSupport_FirstWindowWalksNoLongGapLaterWindowsDo()
    {
        // The same song under noise: the window that first names it has an alignment fitted on its first seconds, and its
        // walk back stops at the first 3.5 s without a gain; later windows, fitted on more, cross such gaps to the start.
        var song = SyntheticCatalogue.Shared.Songs[1];
        var noisy = SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, 0, 14), -20, seed: 5);
        var audio = SyntheticMusic.Concat(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 8), noisy, SyntheticMusic.Slice(song, 14, 20));

        var windows = Run(audio, 2 * Rate, withSupport: true).Where(w => !w.Early && !w.Confirms).ToList();
        var first = windows.First(w => w.Matches.Any(m => m.Confidence > 0)).Matches.Where(m => m.Confidence > 0).Min(m => m.FirstMatchFrame);

        Assert.InRange(FingerprintSettings.FrameCentreSeconds(first), 20, 23);
        Assert.InRange(StartSeconds(windows), 8, 16);
    }

    [Fact]
    public void Append_SongNamedLongAfterItBeganUnderNoise_StartWalkedBackFurtherThanHalfAMinute()
    {
        // The same noise over the song's first 36 s: its landmarks show from 26 s on, and it is named later still, so
        // the walk must follow its support peaks back over more than 30 s of the stream to where it begins (8 s).
        var song = SyntheticCatalogue.Shared.Songs[1];
        var noisy = SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, 0, 36), -20, seed: 5);
        var audio = SyntheticMusic.Concat(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 8), noisy, SyntheticMusic.Slice(song, 36, 20));

        Assert.True(StartSeconds(Run(audio, 2 * Rate)) > 20, "landmarks came through the noise: the test does not exercise the walk");
        Assert.InRange(StartSeconds(Run(audio, 2 * Rate, withSupport: true)), 7.5, 9);
    }

    [Fact]
    public void Append_NoiseBeforeSongEnteringMidway_SupportWalkStaysOut()
    {
        // The same noise with no song under it, and the song entering 14 s in: the catalogue peaks of its first 14 s
        // fall on noise, which must not pass for the song however long the walk.
        var song = SyntheticCatalogue.Shared.Songs[1];
        var noise = SyntheticMusic.WhiteNoise(14 * Rate, 10 * SyntheticMusic.Rms(SyntheticMusic.Slice(song, 0, 14)), 5);
        var audio = SyntheticMusic.Concat(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 8), noise, SyntheticMusic.Slice(song, 14, 20));

        Assert.InRange(StartSeconds(Run(audio, 2 * Rate, withSupport: true)), 21.5, 23);
    }

    [Theory]
    [InlineData(-19, 27, 30.5)]
    [InlineData(-20, 18, 21)]
    public void Append_SongEndingUnderNoiseWithSupport_EndFollowedWhileItsEvidenceKeepsComing(double snrDb, double endFrom, double endTo)
    {
        // The song's last 10 s under noise 19 dB above it, then other music: the landmarks' chunks still gain where its
        // support peaks show nothing for 5 s, so the airing ends near where the song does (30 s). At 20 dB neither gains
        // for 7 s after 20 s, as past a song's end, and a gain after such a gap is not trusted (SupportWalk): chance
        // creeps up that far in a jingle on the track's beat. So the airing ends where the noise began.
        var song = SyntheticCatalogue.Shared.Songs[1];
        var noisy = SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, 20, 10), snrDb, seed: 5);
        var audio = SyntheticMusic.Concat(SyntheticMusic.Slice(song, 0, 20), noisy, SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 12));

        Assert.InRange(EndSeconds(Run(audio, 2 * Rate, withSupport: true)), endFrom, endTo);
    }

    [Theory]
    [InlineData(5, -15.0)]
    [InlineData(5, -16.0)]
    [InlineData(8, -14.0)]
    public void Append_SongLostForSecondsUnderNoiseThenFaintlyThere_AiringCarriedOnFromItsLastEvidence(double lostSeconds, double snrDb)
    {
        // After 20 s the song is lost under noise for some seconds, then stays faint to its end at 40 s: no window
        // accepts it again, but its alignment keeps explaining peaks. The walk on from the previous window alone stopped in
        // the lost seconds and the airing ended at 19.5 s; walked on from its last evidence it reaches the song's end.
        var song = SyntheticCatalogue.Shared.Songs[1];
        var lost = SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, 20, lostSeconds), -40, seed: 5);
        var faint = SyntheticMusic.AddNoise(SyntheticMusic.Slice(song, 20 + lostSeconds, 20 - lostSeconds), snrDb, seed: 6);
        var audio = SyntheticMusic.Concat(SyntheticMusic.Slice(song, 0, 20), lost, faint, SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 12));

        var windows = Run(audio, 2 * Rate);

        Assert.DoesNotContain(windows, w => w.Matches.Any(m => m.Confidence > 0 && m.FirstMatchFrame > FingerprintSettings.SecondsToFrame(24)));
        Assert.InRange(EndSeconds(windows), 36, 40.5);
    }

    private static double EndSeconds(List<WindowResult> windows) =>
        FingerprintSettings.FrameCentreSeconds(windows.SelectMany(w => w.Matches).Max(m => m.LastMatchFrame));

    [Fact]
    public void Append_SongUnderAnotherConfirmedSong_WalkedBackNoFurtherThanACrossfade()
    {
        // Song B enters at 8 s under louder music with noise; its landmarks come through at 24 s, its support peaks
        // before. Under unknown music the walk follows them back to 8 s. Under a catalogue song whose landmarks are
        // confirmed there, the support walk stops a crossfade (6 s) before that song's last peak confirmed by the window that
        // found B: support peaks are weaker evidence than the other song's landmarks. B's own landmarks (an island of 1 s
        // above chance against decoys) may take it a second further, never back to 8 s.
        var b = SyntheticCatalogue.Shared.Songs[1];
        var under = SyntheticMusic.AddNoise(SyntheticMusic.Slice(b, 0, 16), -10, seed: 5);
        List<WindowResult> Windows(float[] before) => [.. Run(
            SyntheticMusic.Concat(SyntheticMusic.Slice(before, 0, 8), SyntheticMusic.Mix(under, SyntheticMusic.Slice(before, 8, 16), 3f), SyntheticMusic.Slice(b, 16, 20)),
            2 * Rate, withSupport: true).Where(w => !w.Early)];
        static double StartOf(List<WindowResult> windows, string track) =>
            FingerprintSettings.FrameCentreSeconds(windows.SelectMany(w => w.Matches).Where(m => m.TrackId == track).Min(m => m.FirstMatchFrame));

        var underUnknown = Windows(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 24));
        var underSong = Windows(SyntheticCatalogue.Shared.Songs[2]);

        Assert.InRange(StartOf(underUnknown, "song01"), 7.5, 9);
        var found = underSong.FindIndex(w => w.Matches.Any(m => m.TrackId == "song01"));
        var otherEnd = FingerprintSettings.FrameCentreSeconds(underSong.Take(found + 1).SelectMany(w => w.Matches).Where(m => m.TrackId == "song02").Max(m => m.LastMatchFrame));
        Assert.InRange(StartOf(underSong, "song01"), otherEnd - 7.1, otherEnd - 4);
    }

    [Theory]
    [InlineData(0.0, 16.0)]
    [InlineData(8.0, 19.0)]
    public void Append_SongFadingInUnderTheLastSong_StartsAtItsFirstNoteOnlyWhenAiredFromIt(double enteredAt, double earliestStart)
    {
        // Song 1 fades in steeply over 4 s under the noisy last 4 s of song 2, too faint for its peaks to show until
        // the end (without the crossfade rule the play started at 19.7 s): it starts at its first note all the same, as
        // songs are aired from it. Joined 8 s into the song instead, the track's first note lies before the whole
        // crossfade, and nothing says where the song came in.
        var before = SyntheticCatalogue.Shared.Songs[2];
        var next = SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[1], enteredAt, 24);
        var fadeIn = SyntheticMusic.Slice(next, 0, 4);
        for (var i = 0; i < fadeIn.Length; i++)
        {
            fadeIn[i] *= 0.3f * MathF.Pow((float)i / fadeIn.Length, 4);
        }

        var audio = SyntheticMusic.Concat(SyntheticMusic.Slice(before, 0, 16), SyntheticMusic.Mix(SyntheticMusic.AddNoise(SyntheticMusic.Slice(before, 16, 4), 0, seed: 3), fadeIn), SyntheticMusic.Slice(next, 4, 20));

        var matches = Run(audio, 2 * Rate, withSupport: true).SelectMany(w => w.Matches).Where(m => m.TrackId == "song01").ToList();

        Assert.InRange(FingerprintSettings.FrameCentreSeconds(matches.Min(m => m.FirstMatchFrame)), earliestStart - 0.3, earliestStart + 1.5);
    }

    [Theory]
    [InlineData(0.3, 20.3)]
    [InlineData(0.0, 17.0)]
    public void Append_SongCutInPartWayAfterTheLastSong_StartsAtTheCutWhenSilenceSeparatesThem(double silenceSeconds, double expectedStart)
    {
        // Song 2 to 20 s, then song 1 from 3 s into its track. Its first note would lie under song 2's last 3 s, where a
        // song fading in leaves no trace; a moment of silence between the two says it was cut in there instead. Without
        // the silence, nothing tells a cut from a fade-in, and the play starts at the track's first note.
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[2], 0, 20),
            new float[(int)(silenceSeconds * Rate)],
            SyntheticMusic.Slice(SyntheticCatalogue.Shared.Songs[1], 3, 20));

        var matches = Run(audio, 2 * Rate, withSupport: true).SelectMany(w => w.Matches).Where(m => m.TrackId == "song01").ToList();

        Assert.InRange(FingerprintSettings.FrameCentreSeconds(matches.Min(m => m.FirstMatchFrame)), expectedStart - 0.5, expectedStart + 0.5);
    }

    [Fact]
    public void Append_SparseIntroUnderTheLastSong_StartFoundAtItsFirstNote()
    {
        // A song opening with four soft held notes, under the tail of the music before it at half its level: there
        // are no landmarks of the intro, and held notes hit their decoys as often as their places, so the walk never
        // sets a new best by its margin. Reaching the track's own first peak with the evidence for the song, it puts
        // the start there.
        var (song, index) = SparseIntroSong();
        var before = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 12);
        var audio = SyntheticMusic.Concat(
            SyntheticMusic.Slice(before, 0, 8),
            SyntheticMusic.Mix(SyntheticMusic.Slice(song, 0, 4), SyntheticMusic.Slice(before, 8, 4), 0.5f),
            SyntheticMusic.Slice(song, 4, 24));

        var landmarksOnly = Run(audio, 2 * Rate, index: index).SelectMany(w => w.Matches).ToList();
        var withSupport = Run(audio, 2 * Rate, withSupport: true, index: index).SelectMany(w => w.Matches).ToList();

        Assert.All(withSupport, m => Assert.Equal("sparse-intro", m.TrackId));
        Assert.InRange(FingerprintSettings.FrameCentreSeconds(landmarksOnly.Min(m => m.FirstMatchFrame)), 11.5, 12.5);
        Assert.InRange(FingerprintSettings.FrameCentreSeconds(withSupport.Min(m => m.FirstMatchFrame)), 7.5, 8.8);
    }

    [Fact]
    public void Append_SongEnteringAfterItsSparseIntro_NotWalkedBackToTheTracksStart()
    {
        // The same song joined 4 s in, straight after other music: its intro was never aired, and the other music's
        // peaks where the held notes would be must not pass for them.
        var (song, index) = SparseIntroSong();
        var audio = SyntheticMusic.Concat(SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 12), SyntheticMusic.Slice(song, 4, 24));

        var matches = Run(audio, 2 * Rate, withSupport: true, index: index).SelectMany(w => w.Matches).ToList();

        Assert.All(matches, m => Assert.Equal("sparse-intro", m.TrackId));
        Assert.InRange(FingerprintSettings.FrameCentreSeconds(matches.Min(m => m.FirstMatchFrame)), 11.5, 12.5);
    }

    [Fact]
    public void Append_SparseOutroUnderTheNextSong_EndFoundAtItsLastNote()
    {
        // The mirror of the sparse intro: four soft held notes close the song, under the next music as loud as they
        // are. The walk forward reaches the track's last peak with the evidence for the song.
        var body = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(11), 24);
        var outro = SyntheticMusic.Concat([.. new[] { 659.0, 784.0, 659.0, 523.0 }.Select(f => Tone(f, 1.0, 0.03))]);
        var index = SyntheticCatalogue.IndexWith("sparse-outro", SyntheticMusic.Concat(body, outro));
        var next = SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(7), 12);
        var audio = SyntheticMusic.Concat(body, SyntheticMusic.Mix(outro, SyntheticMusic.Slice(next, 0, 4)), SyntheticMusic.Slice(next, 4, 8));

        var landmarksOnly = Run(audio, 2 * Rate, index: index);
        var withSupport = Run(audio, 2 * Rate, withSupport: true, index: index);

        Assert.InRange(EndSeconds(landmarksOnly), 23, 24.5);
        Assert.InRange(EndSeconds(withSupport), 26.5, 28.2);
    }

    private static (float[] Song, FingerprintIndex Index) SparseIntroSong()
    {
        var intro = SyntheticMusic.Concat([.. new[] { 523.0, 659.0, 784.0, 659.0 }.Select(f => Tone(f, 1.0, 0.03))]);
        var song = SyntheticMusic.Concat(intro, SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(11), 24));
        return (song, SyntheticCatalogue.IndexWith("sparse-intro", song));
    }

    private static float[] Tone(double frequency, double seconds, double amplitude)
    {
        var samples = new float[(int)(seconds * Rate)];
        for (var i = 0; i < samples.Length; i++)
        {
            // Soft onset and release, as a held note is played.
            var envelope = Math.Min(1, Math.Min(i, samples.Length - i) / (0.05 * Rate));
            samples[i] = (float)(amplitude * envelope * Math.Sin(2 * Math.PI * frequency * i / Rate));
        }

        return samples;
    }

    private static double StartSeconds(List<WindowResult> windows) =>
        FingerprintSettings.FrameCentreSeconds(windows.SelectMany(w => w.Matches).Min(m => m.FirstMatchFrame));

    private static List<string> Describe(List<WindowResult> windows) =>
        [.. windows.Select(w => $"{w.StartFrame}-{w.EndFrame}: " + string.Join(", ", w.Matches.Select(m =>
            $"{m.TrackId} {m.Confidence:F4} {m.MatchedPeaks}/{m.ComparedPeaks} {m.FirstMatchFrame}-{m.LastMatchFrame}")))];

    private static List<WindowResult> Run(
        float[] audio, int blockSize, int releaseVotesEvery = 0, bool withSupport = false, FingerprintIndex? index = null, int windowPhase = 0,
        bool earlyDecisions = true)
    {
        var extractor = new PeakExtractor(withSupport);
        var stream = new StreamMatcher(new Matcher(index ?? SyntheticCatalogue.Shared.Index), windowPhase) { EarlyDecisions = earlyDecisions };
        var windows = new List<WindowResult>();
        List<Peak> peaks = [], support = [];
        var appended = 0;
        void Append()
        {
            if (withSupport)
            {
                stream.Append(CollectionsMarshal.AsSpan(peaks), CollectionsMarshal.AsSpan(support), extractor.Frames, windows.Add);
            }
            else
            {
                stream.Append(CollectionsMarshal.AsSpan(peaks), extractor.Frames, windows.Add);
            }

            peaks.Clear();
            support.Clear();
        }

        for (var at = 0; at < audio.Length; at += blockSize)
        {
            extractor.Write(audio.AsSpan(at, Math.Min(blockSize, audio.Length - at)), peaks, support);
            Append();
            if (releaseVotesEvery > 0 && ++appended % releaseVotesEvery == 0)
            {
                stream.ReleaseVotes();
            }
        }

        extractor.Flush(peaks, support);
        Append();
        stream.Complete(extractor.Frames, windows.Add);
        return windows;
    }
}
