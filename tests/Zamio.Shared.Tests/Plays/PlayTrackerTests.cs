using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Tests.Matching;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Shared.Tests.Plays;

public class PlayTrackerTests
{
    private const int Rate = SyntheticMusic.SampleRate;

    // Song A 60 s, noise 10 s, song B 45 s, an unknown song 30 s, song A again (from its start) 40 s.
    private static readonly (string? Track, double Start, double End)[] Truth =
    [
        (SyntheticCatalogue.IdOf(0), 0, 60),
        (null, 60, 70),
        (SyntheticCatalogue.IdOf(1), 70, 115),
        (null, 115, 145),
        (SyntheticCatalogue.IdOf(0), 145, 185),
    ];

    private static readonly Lazy<float[]> Programme = new(() =>
    {
        var songs = SyntheticCatalogue.Shared.Songs;
        return SyntheticMusic.Concat(
            songs[0],
            SyntheticMusic.WhiteNoise(10 * Rate, 0.05, 77),
            SyntheticMusic.Slice(songs[1], 0, 45),
            SyntheticMusic.Song(SyntheticCatalogue.UnknownSeed(50), 30),
            SyntheticMusic.Slice(songs[0], 0, 40));
    });

    [Fact]
    public void Observe_Programme_ThreeClosedPlaysWithTrueBoundaries()
    {
        var run = Run(Programme.Value, 2 * Rate);

        var expected = Truth.Where(t => t.Track is not null).ToList();
        Assert.Equal(expected.Select(t => t.Track), run.Closed.Select(p => p.TrackId));
        for (var i = 0; i < expected.Count; i++)
        {
            var play = run.Closed[i];
            Assert.Equal(PlayStatus.Closed, play.Status);
            Assert.InRange(Seconds(play.StartFrame), expected[i].Start - 1.5, expected[i].Start + 1.5);
            Assert.InRange(Seconds(play.EndFrame), expected[i].End - 1.5, expected[i].End + 1.5);
            Assert.InRange(play.Speed, 0.995, 1.005);
            Assert.True(play.Confidence >= MatcherOptions.Default.AcceptConfidence);
        }
    }

    [Fact]
    public void Observe_Programme_PlaysHaveDistinctStableIds()
    {
        var run = Run(Programme.Value, 2 * Rate);

        Assert.Equal(run.Closed.Count, run.Closed.Select(p => p.Id).Distinct().Count());
        // Every closed play was reported as ongoing under the same id before it closed.
        foreach (var play in run.Closed)
        {
            Assert.Contains(run.Ongoing, o => o.Play.Id == play.Id && o.Play.TrackId == play.TrackId);
        }
    }

    [Fact]
    public void Observe_Programme_OngoingPlayReportedBeforeSongEnds()
    {
        var run = Run(Programme.Value, 2 * Rate);

        foreach (var (track, start, end) in Truth.Where(t => t.Track is not null))
        {
            var first = run.Ongoing.FirstOrDefault(o => o.Play.TrackId == track && Seconds(o.Play.StartFrame) >= start - 1.5);
            Assert.True(first.Play is not null, $"{track} at {start} s never reported as ongoing");
            Assert.Equal(PlayStatus.Ongoing, first.Play.Status);
            // Reported while the song is still on air, well before its end.
            Assert.True(first.AtSeconds < end - 10, $"{track} at {start} s first reported at {first.AtSeconds:F1} s");
        }
    }

    [Fact]
    public void Observe_Programme_NoPlayDuringNoiseOrUnknownSong()
    {
        var run = Run(Programme.Value, 2 * Rate);

        foreach (var (_, start, end) in Truth.Where(t => t.Track is null))
        {
            Assert.DoesNotContain(run.Closed, p => Seconds(p.StartFrame) > start + 1.5 && Seconds(p.EndFrame) < end - 1.5);
        }
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(4321)]
    [InlineData(3 * Rate)]
    [InlineData(10 * Rate + 7)]
    public void Observe_DifferentBlockSizes_SamePlays(int blockSize)
    {
        var reference = Run(Programme.Value, 2 * Rate).Closed;

        var run = Run(Programme.Value, blockSize).Closed;

        Assert.Equal(
            reference.Select(p => (p.TrackId, p.StartFrame, p.EndFrame)),
            run.Select(p => (p.TrackId, p.StartFrame, p.EndFrame)));
    }

    [Fact]
    public void Complete_OpenPlay_ClosesIt()
    {
        var song = SyntheticCatalogue.Shared.Songs[2];
        var tracker = new PlayTracker();
        var stream = new StreamMatcher(new Matcher(SyntheticCatalogue.Shared.Index));
        var peaks = PeakExtractor.Extract(song);
        var frames = (song.Length - FingerprintSettings.FftSize) / FingerprintSettings.HopSize + 1;
        var changes = new List<Play>();
        stream.Append(peaks, frames, w => changes.AddRange(tracker.Observe(w)));

        Assert.DoesNotContain(changes, p => p.Status == PlayStatus.Closed);
        Assert.Contains(tracker.Ongoing, p => p.TrackId == SyntheticCatalogue.IdOf(2));

        var closed = tracker.Complete();

        var play = Assert.Single(closed);
        Assert.Equal(SyntheticCatalogue.IdOf(2), play.TrackId);
        Assert.Equal(PlayStatus.Closed, play.Status);
        Assert.Empty(tracker.Ongoing);
        Assert.Empty(tracker.Complete());
    }

    [Fact]
    public void Observe_SingleWindowMatch_NotReportedAsPlay()
    {
        var tracker = new PlayTracker();
        var match = new TrackMatch(4, "x", 0.99, 8, new Alignment(0, 0, 1, 1), 50, 60, 0, FingerprintSettings.SecondsToFrame(7));

        var changes = tracker.Observe(new WindowResult(0, FingerprintSettings.SecondsToFrame(8), [match]));

        Assert.Empty(changes);
        Assert.Empty(tracker.Ongoing);
        Assert.Empty(tracker.Complete());
    }

    [Fact]
    public void Observe_SingleWindowFarAboveChance_ReportedAsPlay()
    {
        var tracker = new PlayTracker();
        var match = new TrackMatch(4, "x", 1.0, 20, new Alignment(0, 0, 1, 1), 50, 60, 0, FingerprintSettings.SecondsToFrame(7));

        var changes = tracker.Observe(new WindowResult(0, FingerprintSettings.SecondsToFrame(8), [match]));

        Assert.Equal(PlayStatus.Ongoing, Assert.Single(changes).Status);
        var closed = Assert.Single(tracker.Complete());
        Assert.Equal(("x", PlayStatus.Closed), (closed.TrackId, closed.Status));
    }

    [Fact]
    public void Observe_ConfirmationAfterASingleWindow_ReportsThePlayAtOnce()
    {
        var tracker = new PlayTracker();
        var window = FingerprintSettings.SecondsToFrame(8);
        var alignment = new Alignment(0, 0, 1, 1);
        Assert.Empty(tracker.Observe(new WindowResult(0, window, [new TrackMatch(4, "x", 0.99, 8, alignment, 50, 60, 100, window - 5)])));

        var confirmation = new WindowResult(window, window + FingerprintSettings.SecondsToFrame(2),
            [new TrackMatch(4, "x", 0.99, 5, alignment, 12, 40, window + 2, window + 60)]) { Confirms = true };
        var play = Assert.Single(tracker.Observe(confirmation));

        Assert.Equal(("x", PlayStatus.Ongoing, 100L, window + 60L), (play.TrackId, play.Status, play.StartFrame, play.EndFrame));
        // Shown at once; it stands as a play only on a second confident window (or one far above chance), and none came.
        var closed = Assert.Single(tracker.Complete());
        Assert.Equal((play.Id, PlayStatus.Retracted), (closed.Id, closed.Status));
    }

    [Fact]
    public void Observe_PlayShownOnItsConfirmationAloneNotBorneOut_WithdrawnTwoStepsOnAndShownAgainWhenItIs()
    {
        // One window at z 8 and its confirmation show the play; the next two windows find the track only weakly, so two
        // steps (8 s) after its first window the play is withdrawn while still open; a confident window later shows it again.
        var tracker = new PlayTracker();
        var alignment = new Alignment(0, 0, 1, 1);
        tracker.Observe(Window(0, AcrossWindow(0, 4, "x", 1.0, 8, alignment, 30, 148)));
        var shown = tracker.Observe(new WindowResult(FingerprintSettings.SecondsToFrame(8), FingerprintSettings.SecondsToFrame(10),
            [AcrossWindow(0, 4, "x", 1.0, 5.5, alignment, 9, 24) with { FirstMatchFrame = FingerprintSettings.SecondsToFrame(8), LastMatchFrame = FingerprintSettings.SecondsToFrame(9) }]) { Confirms = true });
        var weak = tracker.Observe(Window(1, AcrossWindow(1, 4, "x", 0.6, 6.1, alignment, 20, 140)));
        var withdrawn = tracker.Observe(Window(2, AcrossWindow(2, 4, "x", 0.6, 6.1, alignment, 20, 140)));
        var again = tracker.Observe(Window(3, AcrossWindow(3, 4, "x", 1.0, 9, alignment, 35, 140)));

        Assert.Equal(PlayStatus.Ongoing, Assert.Single(shown).Status);
        Assert.All(weak, p => Assert.Equal(PlayStatus.Ongoing, p.Status));
        Assert.Equal(PlayStatus.Retracted, Assert.Single(withdrawn).Status);
        Assert.Equal(PlayStatus.Ongoing, Assert.Single(again).Status);
        Assert.Equal(PlayStatus.Closed, Assert.Single(tracker.Complete()).Status);
    }

    [Fact]
    public void Observe_EarlyMatchBelowASingleWindowsBar_ShownOnlyOnceTheNextSecondBearsItOut()
    {
        var tracker = new PlayTracker();
        var alignment = new Alignment(0, 0, 1, 1);
        var end = FingerprintSettings.SecondsToFrame(6);
        var early = new WindowResult(0, end, [new TrackMatch(4, "x", 1.0, 8.5, alignment, 30, 120, FingerprintSettings.SecondsToFrame(3), end - 1)]) { Early = true };
        var check = new WindowResult(end, end + FingerprintSettings.SecondsToFrame(1),
            [new TrackMatch(4, "x", 1.0, 5, alignment, 8, 20, end + 2, end + 28)]) { Confirms = true };

        Assert.Empty(tracker.Observe(early));
        var shown = Assert.Single(tracker.Observe(check));

        Assert.Equal(("x", PlayStatus.Ongoing, FingerprintSettings.SecondsToFrame(3)), (shown.TrackId, shown.Status, shown.StartFrame));
        // No regular window came: an early decision and its check alone make no play.
        var closed = Assert.Single(tracker.Complete());
        Assert.Equal((shown.Id, PlayStatus.Retracted), (closed.Id, closed.Status));
    }

    [Theory]
    [InlineData(8.5, 0)]
    [InlineData(10.5, 1)]
    public void Complete_EarlyMatchThenOneRegularWindowOfTheSameAudio_StandsOnlyWhenTheEarlyOneWasClearEnoughAlone(double earlyScore, int plays)
    {
        // The early decision is the regular window's audio decided sooner: below a single window's bar it is no second
        // window, or one window of z 8 would stand as a play.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var alignment = new Alignment(0, 0, 1, 1);
        var early = AcrossWindow(0, 4, "x", 1.0, earlyScore, alignment, 30, 120) with { LastMatchFrame = FingerprintSettings.SecondsToFrame(7) };
        changes.AddRange(tracker.Observe(new WindowResult(0, FingerprintSettings.SecondsToFrame(7), [early]) { Early = true }));
        changes.AddRange(tracker.Observe(Window(0, AcrossWindow(0, 4, "x", 1.0, 8, alignment, 32, 140))));
        changes.AddRange(tracker.Complete());

        Assert.Equal(plays, Standing(changes).Count);
        Assert.Equal(plays > 0, changes.Any(p => p.Status == PlayStatus.Ongoing));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(10, 0)]
    public void Complete_ConfidentWindowsAtDifferentPlacesInTheTrack_StandOnlyWhenTheyAgree(int jumpSeconds, int plays)
    {
        // Three windows of z 7-8, the last two confident. A phrase an unknown piece shares with a catalogue track can be
        // read at a different place in the track by each window; a real airing's windows agree on where it is.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        Alignment At(double trackSeconds) => new(0, FingerprintSettings.SecondsToFrame(trackSeconds), 1, 1);
        changes.AddRange(tracker.Observe(Window(0, AcrossWindow(0, 4, "x", 0.77, 6.5, At(300), 23, 137))));
        changes.AddRange(tracker.Observe(Window(1, AcrossWindow(1, 4, "x", 0.99, 7.9, At(300), 29, 133))));
        changes.AddRange(tracker.Observe(Window(2, AcrossWindow(2, 4, "x", 1.0, 8.2, At(300 + jumpSeconds), 27, 132))));
        changes.AddRange(tracker.Complete());

        Assert.Contains(changes, p => p.Status == PlayStatus.Ongoing);
        Assert.Equal(plays, Standing(changes).Count);
    }

    [Fact]
    public void Complete_TwoPairsOfWindowsEachAtItsOwnPlace_OneConfidentWindowAtEach_DoesNotStand()
    {
        // Two windows put the phrase 48 s into the track (one of them confident), the next two 22 s later in the track (one
        // confident): each window agrees with the one before it, but no two confident windows agree on a place.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        Alignment At(double trackSeconds) => new(0, FingerprintSettings.SecondsToFrame(trackSeconds), 1, 1);
        changes.AddRange(tracker.Observe(Window(0, AcrossWindow(0, 4, "x", 0.51, 6.0, At(48), 29, 111))));
        changes.AddRange(tracker.Observe(Window(1, AcrossWindow(1, 4, "x", 0.98, 7.5, At(48), 40, 114))));
        changes.AddRange(tracker.Observe(Window(2, AcrossWindow(2, 4, "x", 0.96, 7.3, At(26), 30, 109))));
        changes.AddRange(tracker.Observe(Window(3, AcrossWindow(3, 4, "x", 0.98, 7.6, At(26), 38, 113))));
        changes.AddRange(tracker.Complete());

        Assert.Contains(changes, p => p.Status == PlayStatus.Ongoing);
        Assert.Empty(Standing(changes));
    }

    [Theory]
    [InlineData(0.51, 0)]
    [InlineData(0.99, 1)]
    public void Complete_ConfirmedFirstWindowAndASecondWindow_StandsOnlyWhenTheSecondIsConfident(double secondConfidence, int plays)
    {
        // A phrase an unknown piece shares with a catalogue track: one window at z 8, its confirmation, a weak second window.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var alignment = new Alignment(0, 0, 1, 1);
        changes.AddRange(tracker.Observe(Window(0, AcrossWindow(0, 4, "x", 1.0, 8, alignment, 30, 148))));
        changes.AddRange(tracker.Observe(new WindowResult(FingerprintSettings.SecondsToFrame(8), FingerprintSettings.SecondsToFrame(10),
            [AcrossWindow(0, 4, "x", 1.0, 5.5, alignment, 9, 24) with { FirstMatchFrame = FingerprintSettings.SecondsToFrame(8), LastMatchFrame = FingerprintSettings.SecondsToFrame(9) }]) { Confirms = true }));
        changes.AddRange(tracker.Observe(Window(1, AcrossWindow(1, 4, "x", secondConfidence, 7, alignment, 22, 142))));
        changes.AddRange(tracker.Complete());

        Assert.Contains(changes, p => p.Status == PlayStatus.Ongoing);
        Assert.Equal(plays, Standing(changes).Count);
    }

    [Fact]
    public void Observe_ConfirmationWithoutAnOpenPlay_StartsNothing()
    {
        var tracker = new PlayTracker();
        var alignment = new Alignment(0, 0, 1, 1);
        Assert.Empty(tracker.Observe(new WindowResult(0, FingerprintSettings.SecondsToFrame(8), [new TrackMatch(4, "x", 0.99, 8, alignment, 50, 60, 100, 200)])));

        // Another track, and the same track at an alignment 10 s away: neither is the open airing.
        var confirmation = new WindowResult(256, 320,
        [
            new TrackMatch(5, "y", 1.0, 9, alignment, 30, 40, 260, 310),
            new TrackMatch(4, "x", 1.0, 9, alignment with { TrackFrameAtOrigin = 400 }, 30, 40, 260, 310),
        ]) { Confirms = true };

        Assert.Empty(tracker.Observe(confirmation));
        Assert.Empty(tracker.Complete());
    }

    [Fact]
    public void Observe_Confirmation_ClosesNothing()
    {
        // "a" has been silent for 8 s when "b" is confirmed after it: the next window closes "a", a confirmation does not.
        var tracker = new PlayTracker();
        var a = new Alignment(0, 0, 1, 1);
        var b = new Alignment(0, 5000, 1, 1);
        var second = FingerprintSettings.SecondsToFrame(1);
        Assert.Single(tracker.Observe(new WindowResult(0, 8 * second, [new TrackMatch(1, "a", 1.0, 20, a, 80, 90, 0, 8 * second)])));
        Assert.Empty(tracker.Observe(new WindowResult(16 * second, 24 * second, [new TrackMatch(2, "b", 0.99, 8, b, 50, 60, 22 * second, 24 * second)])));

        var changes = tracker.Observe(new WindowResult(24 * second, 26 * second, [new TrackMatch(2, "b", 0.99, 5, b, 12, 30, 24 * second, 26 * second)]) { Confirms = true });

        Assert.Equal([("b", PlayStatus.Ongoing)], changes.Select(p => (p.TrackId, p.Status)));
        Assert.Contains(tracker.Ongoing, p => p.TrackId == "a");
    }

    [Fact]
    public void Observe_WeakWindowReachingBeforeConfidentOnes_StartTakenFromTheConfident()
    {
        // A window just above acceptance, at a drifting speed, explains chance peaks 7 s before the song; the confident
        // windows that follow (whose own walk back found the start) decide where the play starts.
        var tracker = new PlayTracker();
        var second = FingerprintSettings.SecondsToFrame(1);
        var alignment = new Alignment(0, 0, 1, 1);
        tracker.Observe(new WindowResult(0, 8 * second, [new TrackMatch(4, "x", 0.7, 6.4, alignment with { TimeScale = 1.026 }, 20, 60, second, 8 * second)]));
        tracker.Observe(new WindowResult(4 * second, 12 * second, [new TrackMatch(4, "x", 1.0, 15, alignment, 60, 80, 8 * second, 12 * second)]));
        tracker.Observe(new WindowResult(8 * second, 16 * second, [new TrackMatch(4, "x", 1.0, 25, alignment, 90, 100, 8 * second, 16 * second)]));

        var play = Assert.Single(tracker.Complete());

        Assert.Equal((8 * second, 16 * second), (play.StartFrame, play.EndFrame));
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 2)]
    public void Observe_SongResumesAfter36sOfMissingAudio_IsOneAiringOnlyWhenTheAudioWasMissing(bool missing, int plays)
    {
        // 36 s without packets (the agent's source reconnected) in the middle of a song, which resumes where it would be
        // by then; the windows over the gap find nothing. Silence on air (no gap reported) ends the play after 20 s.
        var tracker = new PlayTracker();
        var second = FingerprintSettings.SecondsToFrame(1);
        var alignment = new Alignment(0, 0, 1, 1);
        var closed = new List<Play>();
        void Window(int from, bool song) => closed.AddRange(tracker.Observe(new WindowResult(from * second, (from + 8) * second,
            song ? [new TrackMatch(4, "x", 1.0, 20, alignment, 80, 90, from * second, (from + 8) * second)] : [])).Where(p => p.Status == PlayStatus.Closed));
        for (var from = 0; from <= 40; from += 4)
        {
            Window(from, song: true);
        }

        if (missing)
        {
            tracker.MissingAudio(48 * second, 84 * second);
        }

        for (var from = 44; from <= 120; from += 4)
        {
            Window(from, song: from >= 84);
        }

        closed.AddRange(tracker.Complete());
        Assert.Equal(plays, closed.Count);
        Assert.Equal((0L, 128L * second), (closed[0].StartFrame, closed[^1].EndFrame));
    }

    [Fact]
    public void Observe_SongResumesAfterSixMinutesOfMissingAudio_IsANewAiring()
    {
        // Past five minutes an outage ends the play it interrupts, whatever comes after.
        var tracker = new PlayTracker();
        var second = FingerprintSettings.SecondsToFrame(1);
        var alignment = new Alignment(0, 0, 1, 1);
        var closed = new List<Play>();
        void Window(int from, bool song) => closed.AddRange(tracker.Observe(new WindowResult(from * second, (from + 8) * second,
            song ? [new TrackMatch(4, "x", 1.0, 20, alignment, 80, 90, from * second, (from + 8) * second)] : [])).Where(p => p.Status == PlayStatus.Closed));
        Window(0, song: true);
        Window(4, song: true);
        tracker.MissingAudio(12 * second, 372 * second);
        for (var from = 8; from <= 376; from += 4)
        {
            Window(from, song: from >= 372); // the windows over the gap find nothing
        }

        closed.AddRange(tracker.Complete());
        Assert.Equal([(0L, 12L * second), (372L * second, 384L * second)], closed.Select(p => (p.StartFrame, p.EndFrame)));
    }

    [Fact]
    public void Observe_ConfidenceNeverHighEnough_NotReportedAsPlay()
    {
        var tracker = new PlayTracker();
        for (var w = 0; w < 5; w++)
        {
            var start = FingerprintSettings.SecondsToFrame(4 * w);
            var match = new TrackMatch(4, "x", 0.9, 7, new Alignment(start, start, 1, 1), 30, 60, start, start + FingerprintSettings.SecondsToFrame(7));
            Assert.Empty(tracker.Observe(new WindowResult(start, start + FingerprintSettings.SecondsToFrame(8), [match])));
        }

        Assert.Empty(tracker.Complete());
    }

    [Fact]
    public void Observe_BriefOtherTrackInsideLongAiring_NotReportedAsPlay()
    {
        // "b" shares the first seconds of "a" (one recording in two catalogue entries): one strong window of "b"
        // inside a long, well-supported airing of "a" is its shadow, not a second play.
        var tracker = new PlayTracker();
        var closed = new List<Play>();
        foreach (var window in SharedIntroWindows())
        {
            closed.AddRange(tracker.Observe(window).Where(p => p.Status == PlayStatus.Closed));
        }

        closed.AddRange(tracker.Complete());

        Assert.Equal("a", Assert.Single(closed).TrackId);
    }

    [Fact]
    public void Observe_SharedIntroShownAsOngoing_RetractedAsSoonAsTheOtherAiringOutweighsIt()
    {
        // "b" shares the first seconds of "a" and out-scores it in the first window, so it is shown as ongoing; once "a" runs
        // on past it with more evidence, b is withdrawn with that window, not a gap bridge later when b's play closes.
        var tracker = new PlayTracker();
        var changesByWindow = SharedIntroWindows().Select(tracker.Observe).ToList();
        var final = tracker.Complete();

        Assert.Contains(changesByWindow[0], p => p.TrackId == "b" && p.Status == PlayStatus.Ongoing);
        var retractedIn = changesByWindow.FindIndex(c => c.Any(p => p.TrackId == "b" && p.Status == PlayStatus.Retracted));
        Assert.Equal(1, retractedIn);
        Assert.DoesNotContain(changesByWindow.Skip(1).SelectMany(c => c).Concat(final), p => p.TrackId == "b" && p.Status != PlayStatus.Retracted);
        Assert.Equal("a", Assert.Single(final).TrackId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Observe_EarlyWindowsBetweenRegularOnes_AddNoEvidenceToTheAiring(bool withEarlyWindows)
    {
        // "a" is on air (60 of its peaks in each window); "b" matches the same audio more weakly (40) from the second window,
        // a section the two share, and is withdrawn as a's shadow. Early windows (every second between songs, on less audio)
        // find a with 10 peaks each: counted as windows, they would drag a's evidence per window below b's.
        var tracker = new PlayTracker();
        var a = new Alignment(0, 0, 1, 1);
        var b = new Alignment(0, 5_000, 1, 1);
        for (var w = 0; w < 6; w++)
        {
            if (withEarlyWindows && w > 0)
            {
                for (var second = 1; second <= 3; second++)
                {
                    var end = FingerprintSettings.SecondsToFrame((4 * w) + 4 + second);
                    var early = new TrackMatch(1, "a", 1.0, 12, a, 10, 20, end - FingerprintSettings.SecondsToFrame(3), end - 1);
                    tracker.Observe(new WindowResult(end - FingerprintSettings.SecondsToFrame(6), end, [early]) { Early = true });
                }
            }

            List<TrackMatch> matches = [AcrossWindow(w, 1, "a", 1.0, 20, a, 60, 80)];
            if (w > 0)
            {
                matches.Add(AcrossWindow(w, 2, "b", 1.0, 12, b, 40, 80));
            }

            tracker.Observe(Window(w, [.. matches]));
        }

        Assert.Contains(tracker.Ongoing, p => p.TrackId == "a");
        Assert.DoesNotContain(tracker.Ongoing, p => p.TrackId == "b");
    }

    // "b" shares the first seconds of "a" (one recording in two catalogue entries): found strongly in the first window only,
    // inside 48 s of a.
    private static IEnumerable<WindowResult> SharedIntroWindows()
    {
        for (var w = 0; w < 12; w++)
        {
            var start = FingerprintSettings.SecondsToFrame(4 * w);
            var end = start + FingerprintSettings.SecondsToFrame(8);
            List<TrackMatch> matches = [new TrackMatch(1, "a", 1.0, 12, new Alignment(0, 0, 1, 1), 60, 80, start, end - 1)];
            if (w == 0)
            {
                matches.Add(new TrackMatch(2, "b", 1.0, 20, new Alignment(0, 500, 1, 1), 70, 80, start + 3, start + FingerprintSettings.SecondsToFrame(4)));
            }

            yield return new WindowResult(start, end, matches);
        }
    }

    [Theory]
    [InlineData(9, false, 0, 1)] // noise hid the song for about 30 s: one airing, reopened
    [InlineData(9, false, 60, 1)] // found again at another pass through its loop: still one airing
    [InlineData(9, false, -70, 2)] // from its top (6 s in): played again
    [InlineData(9, true, 0, 2)] // another song was found in between: the first airing had ended
    [InlineData(20, false, 0, 2)] // longer than a minute: a new airing
    public void Observe_SongHeardAgainAfterTheGapBridge_ReopensItsPlay(int silentWindows, bool otherSongBetween, int positionShift, int plays)
    {
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var a = new Alignment(0, 0, 1, 1);
        var again = new Alignment(0, FingerprintSettings.SecondsToFrame(positionShift), 1, 1);
        TrackMatch Song(int w, int track, string id, Alignment alignment) => AcrossWindow(w, track, id, 1.0, 12, alignment, 50, 80);

        var w = 0;
        for (; w < 10; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, Song(w, 1, "a", a))));
        }

        for (var quiet = 0; quiet < silentWindows; quiet++, w++)
        {
            var between = otherSongBetween && quiet is 4 or 5;
            changes.AddRange(tracker.Observe(between ? Window(w, Song(w, 2, "b", new Alignment(0, 900, 1, 1))) : Window(w)));
        }

        for (var end = w + 6; w < end; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, Song(w, 1, "a", again))));
        }

        changes.AddRange(tracker.Complete());

        var airings = changes.Where(p => p.TrackId == "a" && p.Status == PlayStatus.Closed).GroupBy(p => p.Id).Select(g => g.Last()).ToList();
        Assert.Equal(plays, airings.Count);
        Assert.Equal(4.0 * (w - 1) + 8, Math.Round(Seconds(airings[^1].EndFrame)));
    }

    [Fact]
    public void Observe_SongFoundAgainWithItsStartWalkedBackIntoItsClosedPlay_ReopensThatPlay()
    {
        // Noise hid the song past the gap bridge; the window that finds it again (just accepted, below the play-start
        // bar) walks its start back under the noise to before where the closed play's evidence ended. Same track, same
        // position: one airing.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var a = new Alignment(0, 0, 1, 1);
        var w = 0;
        for (; w < 10; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, AcrossWindow(w, 1, "a", 1.0, 12, a, 50, 80))));
        }

        for (var quiet = 0; quiet < 9; quiet++, w++)
        {
            changes.AddRange(tracker.Observe(Window(w)));
        }

        var closedEnd = changes.Where(p => p.Status == PlayStatus.Closed).Max(p => p.EndFrame);
        var walkedBack = AcrossWindow(w, 1, "a", 0.8, 6.6, a, 34, 160) with { FirstMatchFrame = closedEnd - FingerprintSettings.SecondsToFrame(1) };
        changes.AddRange(tracker.Observe(Window(w++, walkedBack)));
        for (var end = w + 5; w < end; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, AcrossWindow(w, 1, "a", 1.0, 12, a, 50, 80))));
        }

        changes.AddRange(tracker.Complete());

        var airing = Assert.Single(changes.Where(p => p.Status == PlayStatus.Closed).GroupBy(p => p.Id).Select(g => g.Last()));
        Assert.Equal(0.0, Math.Round(Seconds(airing.StartFrame)));
        Assert.Equal(4.0 * (w - 1) + 8, Math.Round(Seconds(airing.EndFrame)));
    }

    [Theory]
    [InlineData(0, 1)] // found again, first by a window below the play-start bar, at the song's own position: one airing
    [InlineData(60, 2)] // the weak window at another place opens a play of its own, as before
    public void Observe_SongFoundAgainByAWeakWindow_ReopensItsPlayOnlyAtItsOwnPosition(int positionShift, int plays)
    {
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var a = new Alignment(0, 0, 1, 1);
        var again = new Alignment(0, FingerprintSettings.SecondsToFrame(positionShift), 1, 1);
        TrackMatch Song(int w, double confidence, Alignment alignment) => AcrossWindow(w, 1, "a", confidence, 6.6, alignment, 34, 160);

        var w = 0;
        for (; w < 10; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, Song(w, 1.0, a))));
        }

        // Noise hides the song for longer than the gap bridge; the first window to find it again is just accepted.
        for (var quiet = 0; quiet < 9; quiet++, w++)
        {
            changes.AddRange(tracker.Observe(Window(w)));
        }

        changes.AddRange(tracker.Observe(Window(w, Song(w, 0.8, again))));
        for (var end = ++w + 5; w < end; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, Song(w, 1.0, again))));
        }

        changes.AddRange(tracker.Complete());

        var airings = changes.Where(p => p.TrackId == "a" && p.Status == PlayStatus.Closed).GroupBy(p => p.Id).Select(g => g.Last()).ToList();
        Assert.Equal(plays, airings.Count);
        Assert.Equal(0.0, Math.Round(Seconds(airings[0].StartFrame)));
        Assert.Equal(4.0 * (w - 1) + 8, Math.Round(Seconds(airings[^1].EndFrame)));
    }

    [Fact]
    public void Observe_LoopedIntroMatchedInsideTheAiring_IsPartOfThatAiring()
    {
        // A loop-based song: 49 s in, one window finds its intro's material again and reads as the song restarted, while
        // the airing goes on at its own position for another minute. One track cannot air twice at once: one play.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var airing = new Alignment(0, 0, 1, 1);
        var restart = new Alignment(0, -FingerprintSettings.SecondsToFrame(45), 1, 1);
        for (var w = 0; w < 25; w++)
        {
            var start = FingerprintSettings.SecondsToFrame(4 * w);
            var end = start + FingerprintSettings.SecondsToFrame(8);
            TrackMatch match = w == 11
                ? new(1, "a", 1.0, 12, restart, 60, 80, start + FingerprintSettings.SecondsToFrame(5), end - 1)
                : new(1, "a", 1.0, 8, airing, 50, 80, start, end - 1);
            changes.AddRange(tracker.Observe(new WindowResult(start, end, [match])));
        }

        changes.AddRange(tracker.Complete());

        var play = Assert.Single(Standing(changes));
        Assert.Equal((0.0, 104.0), (Math.Round(Seconds(play.StartFrame)), Math.Round(Seconds(play.EndFrame))));
    }

    [Fact]
    public void Observe_WindowAtAnotherLoopPassReachingBeforeThePlay_DoesNotMoveItsStart()
    {
        // A song from its top at 20 s; 28 s in, one window matches a pass of its loop 10 s later in the track, and walked
        // back to that alignment's first note it reaches 10 s before the song began, into what aired before it. It carries
        // the airing on but does not move its start.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var song = FingerprintSettings.SecondsToFrame(20);
        var airing = new Alignment(0, -song, 1, 1);
        var loopOff = new Alignment(0, -song + FingerprintSettings.SecondsToFrame(10), 1, 1);
        for (var w = 5; w < 20; w++)
        {
            var start = FingerprintSettings.SecondsToFrame(4 * w);
            var end = start + FingerprintSettings.SecondsToFrame(8);
            TrackMatch match = w == 12
                ? new(1, "a", 1.0, 14, loopOff, 60, 80, song - FingerprintSettings.SecondsToFrame(10), end - 1)
                : new(1, "a", 1.0, 12, airing, 60, 80, Math.Max(start, song), end - 1);
            changes.AddRange(tracker.Observe(new WindowResult(start, end, [match])));
        }

        changes.AddRange(tracker.Complete());

        var play = Assert.Single(changes.Where(p => p.Status == PlayStatus.Closed).GroupBy(p => p.Id).Select(g => g.Last()));
        Assert.Equal((20.0, 84.0), (Math.Round(Seconds(play.StartFrame)), Math.Round(Seconds(play.EndFrame))));
    }

    [Theory]
    [InlineData(60, 2)]
    [InlineData(180, 1)]
    public void Observe_SongAiredAgainFromItsTopAsItEnds_IsASecondAiringOnlyPastTheTracksEnd(int trackSeconds, int plays)
    {
        // Aired to 60 s, then from its top again 1.4 s before that (segued into itself) for 30 s. When the track ends at
        // 60 s the new evidence runs past its end, so it is a second airing; a longer track cut at 60 s could still be
        // going on, and its intro heard again reads as a loop of one airing.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(trackSeconds);
        var first = new Alignment(0, 0, 1, 1);
        var again = new Alignment(0, -FingerprintSettings.SecondsToFrame(58.6), 1, 1);
        var cut = FingerprintSettings.SecondsToFrame(60);
        var restart = FingerprintSettings.SecondsToFrame(58.6);
        for (var w = 0; w < 22; w++)
        {
            var start = FingerprintSettings.SecondsToFrame(4 * w);
            var end = start + FingerprintSettings.SecondsToFrame(8);
            TrackMatch match = end <= cut + FingerprintSettings.SecondsToFrame(4)
                ? new(1, "a", 1.0, 12, first, 60, 80, start, Math.Min(end, cut) - 1) { TrackEndFrame = trackEnd }
                : new(1, "a", 1.0, 12, again, 60, 80, Math.Max(start - FingerprintSettings.SecondsToFrame(4), restart), end - 1) { TrackEndFrame = trackEnd };
            changes.AddRange(tracker.Observe(new WindowResult(start, end, [match])));
        }

        changes.AddRange(tracker.Complete());

        var standing = Standing(changes);
        Assert.Equal(plays, standing.Count);
        Assert.Equal(0.0, Math.Round(Seconds(standing[0].StartFrame)));
        Assert.Equal(92.0, Math.Round(Seconds(standing[^1].EndFrame)));
        if (plays == 2)
        {
            Assert.Equal((60.0, 59.0), (Math.Round(Seconds(standing[0].EndFrame)), Math.Round(Seconds(standing[1].StartFrame))));
        }
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    public void Observe_SongCutShortAndAiredAgainFromItsTop_IsASecondAiringUnlessLastReadAtAnotherLoopPass(bool loopPass, int plays)
    {
        // A 200 s track aired from its top, cut at 60 s and aired from its top again at once. The cut airing's last evidence
        // runs 0.1 s past the cut, over the new airing's first peaks. When the airing's last window was at another pass of
        // a loop-based song's loop instead, that window's edge says nothing about a cut: the intro is one more loop pass.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(200);
        var own = new Alignment(0, 0, 1, 1);
        var otherPass = new Alignment(0, FingerprintSettings.SecondsToFrame(48), 1, 1);
        var again = new Alignment(0, -FingerprintSettings.SecondsToFrame(60), 1, 1);
        TrackMatch At(Alignment alignment, double from, double to) => Heard(alignment, from, to, trackEnd);
        for (var w = 0; w < 25; w++)
        {
            var match = 4 * w + 8 <= 60 ? At(own, 4 * w, 4 * w + 8)
                : 4 * w + 8 == 64 ? At(loopPass ? otherPass : own, 4 * w, 60.1)
                : At(again, Math.Max(60, 4 * w), 4 * w + 8);
            changes.AddRange(tracker.Observe(Window(w, match)));
        }

        changes.AddRange(tracker.Complete());

        var standing = Standing(changes);
        Assert.Equal(plays, standing.Count);
        Assert.Equal((0.0, 104.0), (Math.Round(Seconds(standing[0].StartFrame)), Math.Round(Seconds(standing[^1].EndFrame))));
        if (plays == 2)
        {
            Assert.Equal((60.0, 60.0), (Math.Round(Seconds(standing[0].EndFrame)), Math.Round(Seconds(standing[1].StartFrame))));
        }
    }

    [Theory]
    [InlineData(40, "a")]
    [InlineData(4, "b")]
    public void Observe_SectionOfAnAiringClaimedByAnotherEntry_ShadowOfTheAiringOnAirBeforeIt(int sectionFrom, string stands)
    {
        // Track a airs for 104 s; from sectionFrom to its end entry b holds the same recording and takes most of its peaks
        // (b's windows are far stronger there, a's just accepted). b is inside a's airing and a was found all through it:
        // b is a section of a, however long, when a was on air more than a segue before it. When b came in with a (within
        // a segue), nothing says which entry aired, and the stronger one stands.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var own = new Alignment(0, 0, 1, 1);
        for (var w = 0; w < 25; w++)
        {
            var a = 4 * w + 8 <= sectionFrom + 4
                ? AcrossWindow(w, 1, "a", 1.0, 15, own, 60, 80)
                : AcrossWindow(w, 1, "a", 0.8, 6.5, own, 8, 80);
            TrackMatch[] matches = 4 * w >= sectionFrom ? [AcrossWindow(w, 2, "b", 1.0, 20, own, 70, 80), a] : [a];
            changes.AddRange(tracker.Observe(Window(w, matches)));
        }

        changes.AddRange(tracker.Complete());

        var standing = Standing(changes);
        Assert.Equal(stands, Assert.Single(standing).TrackId);
    }

    [Fact]
    public void Observe_LongSectionOfAnAiringShownAsOngoing_WithdrawnWhileTheAiringGoesOn()
    {
        // As above with the section from 40 s: b's windows are strong enough to show it. Once it has been inside a's airing
        // for longer than the gap bridge (not seconds, as a song coming in under a long fade is), it is withdrawn as a's
        // section while a goes on, not left on the station's page beside a until a's airing closes at 104 s.
        var tracker = new PlayTracker();
        var byWindow = new List<IReadOnlyList<Play>>();
        var own = new Alignment(0, 0, 1, 1);
        for (var w = 0; w < 25; w++)
        {
            var a = 4 * w + 8 <= 44 ? AcrossWindow(w, 1, "a", 1.0, 15, own, 60, 80) : AcrossWindow(w, 1, "a", 0.8, 6.5, own, 8, 80);
            byWindow.Add(tracker.Observe(Window(w, 4 * w >= 40 ? [AcrossWindow(w, 2, "b", 1.0, 20, own, 70, 80), a] : [a])));
        }

        byWindow.Add(tracker.Complete());

        var shown = byWindow.FindIndex(c => c.Any(p => p.TrackId == "b" && p.Status == PlayStatus.Ongoing));
        var withdrawn = byWindow.FindIndex(c => c.Any(p => p.TrackId == "b" && p.Status == PlayStatus.Retracted));
        Assert.InRange(shown, 10, 12);
        Assert.InRange(withdrawn, shown + 1, 17); // by the window ending at 76 s: 28 s after b was first shown at most
        Assert.DoesNotContain(byWindow.Skip(withdrawn + 1).SelectMany(c => c), p => p.TrackId == "b" && p.Status == PlayStatus.Ongoing);
        Assert.Equal("a", Assert.Single(Standing([.. byWindow.SelectMany(c => c)])).TrackId);
    }

    [Theory]
    [InlineData(100, 2)]
    [InlineData(200, 1)]
    public void Observe_SongAiredToItsEndThenAgainFromPartWay_IsASecondAiringOnlyWhenTheTrackIsOver(int trackSeconds, int plays)
    {
        // Aired from its top to 100 s, then at once from 50 s into the track for 40 s. When the track ends at 100 s the
        // first airing is over, so the jump back is the song aired again; a 200 s track still under way at 100 s jumping back
        // 50 s reads as a pass of its loop, one airing.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(trackSeconds);
        var own = new Alignment(0, 0, 1, 1);
        var partWay = new Alignment(0, -FingerprintSettings.SecondsToFrame(50), 1, 1);
        TrackMatch At(Alignment alignment, double from, double to) => Heard(alignment, from, to, trackEnd);
        for (var w = 0; w < 34; w++)
        {
            var match = 4 * w + 8 <= 100 ? At(own, 4 * w, 4 * w + 8)
                : 4 * w + 8 == 104 ? At(own, 4 * w, 100.1)
                : At(partWay, Math.Max(100, 4 * w), 4 * w + 8);
            changes.AddRange(tracker.Observe(Window(w, match)));
        }

        changes.AddRange(tracker.Complete());

        var standing = Standing(changes);
        Assert.Equal(plays, standing.Count);
        Assert.Equal((0.0, 140.0), (Math.Round(Seconds(standing[0].StartFrame)), Math.Round(Seconds(standing[^1].EndFrame))));
        if (plays == 2)
        {
            Assert.Equal((100.0, 100.0), (Math.Round(Seconds(standing[0].EndFrame)), Math.Round(Seconds(standing[1].StartFrame))));
        }
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    public void Observe_TrackTopFoundPastTheAiringsEvidence_ASecondAiringUnlessALoopPass(bool loopPass, int plays)
    {
        // A 120 s track aired from its top; at 42 s a window finds its top, 2 s past the airing's last evidence, and the next
        // windows follow that alignment. The song aired again, unless the stream read that first evidence at the airing's
        // alignment as well (a pass of its loop).
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(120);
        var own = new Alignment(0, 0, 1, 1);
        var top = new Alignment(0, -FingerprintSettings.SecondsToFrame(42), 1, 1);
        TrackMatch At(Alignment alignment, double from, double to) => Heard(alignment, from, to, trackEnd);
        for (var w = 0; w < 9; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, At(own, 4 * w, 4 * w + 8))));
        }

        changes.AddRange(tracker.Observe(Window(9, At(top, 42, 44) with { EarlierAlignmentExplains = loopPass ? true : null })));
        for (var w = 10; w < 15; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, At(top, Math.Max(42, 4 * w), 4 * w + 8))));
        }

        changes.AddRange(tracker.Complete());

        var standing = Standing(changes);
        Assert.Equal(plays, standing.Count);
        Assert.Equal((0.0, 64.0), (Math.Round(Seconds(standing[0].StartFrame)), Math.Round(Seconds(standing[^1].EndFrame))));
    }

    [Fact]
    public void Observe_SongCutEarlyAndHeardFromItsTopAfterSpeech_IsASecondAiring()
    {
        // A 200 s track aired from its top and cut at 22 s; 18 s of speech (inside the gap bridge), then the track from its
        // top again. Had the first airing gone on under the speech it would be 40 s in: its top now is a second airing.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(200);
        var first = new Alignment(0, 0, 1, 1);
        var again = new Alignment(0, -FingerprintSettings.SecondsToFrame(40), 1, 1);
        TrackMatch At(Alignment alignment, double from, double to) => Heard(alignment, from, to, trackEnd);
        for (var w = 0; w < 5; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, At(first, 4 * w, Math.Min(22, 4 * w + 8)))));
        }

        for (var w = 5; w < 9; w++)
        {
            changes.AddRange(tracker.Observe(Window(w)));
        }

        for (var w = 9; w < 20; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, At(again, Math.Max(40, 4 * w), 4 * w + 8))));
        }

        changes.AddRange(tracker.Complete());

        var standing = Standing(changes);
        Assert.Equal(2, standing.Count);
        Assert.Equal((22.0, 40.0), (Math.Round(Seconds(standing[0].EndFrame)), Math.Round(Seconds(standing[1].StartFrame))));
    }

    [Fact]
    public void Observe_FirstWindowsAtLoopPassesNearTheTracksEnd_AiringsOwnTopIsNoSecondAiring()
    {
        // A 240 s loop-based song aired from 4 s into it, at 10 s. Its first windows match passes of its loop near the
        // track's end (the first one confirmed by the peaks after it); the third finds the airing's own position, from its
        // first seconds. Against the first alignment that evidence runs past the track's end, like a song segued into
        // itself, but it begins where the airing does: one airing.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(240);
        var nearEnd = new Alignment(0, FingerprintSettings.SecondsToFrame(226), 1, 1);
        var otherPass = new Alignment(0, FingerprintSettings.SecondsToFrame(218), 1, 1);
        var own = new Alignment(0, -FingerprintSettings.SecondsToFrame(6), 1, 1);
        TrackMatch At(Alignment alignment, double from, double to, double score = 15) => Heard(alignment, from, to, trackEnd, score);
        changes.AddRange(tracker.Observe(Window(1, At(nearEnd, 10, 12, score: 8))));
        changes.AddRange(tracker.Observe(new WindowResult(FingerprintSettings.SecondsToFrame(12), FingerprintSettings.SecondsToFrame(14), [At(nearEnd, 12, 14)]) { Confirms = true }));
        changes.AddRange(tracker.Observe(Window(2, At(otherPass, 10, 16))));
        for (var w = 3; w < 20; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, At(own, Math.Max(11, 4 * w), 4 * w + 8))));
        }

        changes.AddRange(tracker.Complete());

        var play = Assert.Single(Standing(changes));
        Assert.Equal((10.0, 84.0), (Math.Round(Seconds(play.StartFrame)), Math.Round(Seconds(play.EndFrame))));
        Assert.DoesNotContain(changes, p => p.Status == PlayStatus.Retracted);
    }

    [Fact]
    public void Observe_WindowAtALoopPassNearTheTracksEnd_DoesNotMakeTheAiringsOwnIntroASecondAiring()
    {
        // A 76 s loop-based song aired from its top at 10 s. Its second window matches a pass of the loop 4 s before the
        // track's end; the third is at the airing's own position again, from the song's first seconds. Read against the
        // loop pass, that evidence would begin near the track's top and run past its end: a song segued into itself.
        // It is the same airing: a loop pass carries an airing on, it does not say where on the track the airing is.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var trackEnd = FingerprintSettings.SecondsToFrame(76);
        var own = new Alignment(0, -FingerprintSettings.SecondsToFrame(10), 1, 1);
        var loopPass = new Alignment(0, FingerprintSettings.SecondsToFrame(59), 1, 1);
        TrackMatch At(Alignment alignment, double from, double to) => Heard(alignment, from, to, trackEnd);
        changes.AddRange(tracker.Observe(Window(1, At(own, 10.2, 11.9))));
        changes.AddRange(tracker.Observe(Window(2, At(loopPass, 12.5, 15.9))));
        for (var w = 3; w < 20; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, At(own, Math.Max(10, 4 * w - 4), 4 * w + 8))));
        }

        changes.AddRange(tracker.Complete());

        var play = Assert.Single(Standing(changes));
        Assert.Equal((10.0, 84.0), (Math.Round(Seconds(play.StartFrame)), Math.Round(Seconds(play.EndFrame))));
    }

    [Fact]
    public void Observe_AiringWithdrawnAsItsSharedIntrosShadowThenShownAgain_TheIntroWithdrawnAtOnce()
    {
        // "b" is the first 11 s of "a" in another catalogue entry. a is shown first; b's one strong window out-scores a's
        // weak second one, so a is withdrawn as b's shadow. a runs on past the shared intro and is shown again: b is then
        // a's shadow and is withdrawn with that window, not left on the station's page until a's airing closes.
        var tracker = new PlayTracker();
        var byWindow = new List<IReadOnlyList<Play>>();
        var a = new Alignment(0, 0, 1, 1);
        var b = new Alignment(0, 0, 1, 1);
        byWindow.Add(tracker.Observe(Window(0, AcrossWindow(0, 1, "a", 1.0, 12, a, 60, 100))));
        byWindow.Add(tracker.Observe(Window(1, AcrossWindow(1, 1, "a", 1.0, 6, a, 30, 100),
            new TrackMatch(2, "b", 1.0, 17, b, 90, 100, 0, FingerprintSettings.SecondsToFrame(11)))));
        for (var w = 2; w < 14; w++)
        {
            byWindow.Add(tracker.Observe(Window(w, AcrossWindow(w, 1, "a", 1.0, 12, a, 60, 100))));
        }

        var final = tracker.Complete();

        var aWithdrawn = byWindow.FindIndex(c => c.Any(p => p.TrackId == "a" && p.Status == PlayStatus.Retracted));
        var aShownAgain = byWindow.FindIndex(aWithdrawn + 1, c => c.Any(p => p.TrackId == "a" && p.Status == PlayStatus.Ongoing));
        var bWithdrawn = byWindow.FindIndex(c => c.Any(p => p.TrackId == "b" && p.Status == PlayStatus.Retracted));
        Assert.Equal(1, aWithdrawn);
        Assert.InRange(aShownAgain, 2, 4);
        Assert.Equal(aShownAgain, bWithdrawn);
        Assert.Equal(["a"], Standing([.. byWindow.SelectMany(c => c), .. final]).Select(p => p.TrackId));
    }

    [Fact]
    public void Observe_WithdrawnShadowOutScoringTheAiringAtAnotherSharedSection_StaysHeldAndTakesNothingDown()
    {
        // "b" shares "a"'s intro and a later section. b is named first, then withdrawn once a's airing runs past it. 20 s on,
        // at the other shared section, b out-scores a (a is still matched, weakly): b is not shown again, and a's play is
        // not withdrawn as b's shadow.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var a = new Alignment(0, 0, 1, 1);
        var b = new Alignment(0, 0, 1, 1);
        var bLater = new Alignment(0, FingerprintSettings.SecondsToFrame(100), 1, 1);
        changes.AddRange(tracker.Observe(Window(0, new TrackMatch(2, "b", 1.0, 12, b, 40, 80, 0, FingerprintSettings.SecondsToFrame(6)))));
        changes.AddRange(tracker.Observe(Window(1, AcrossWindow(1, 1, "a", 1.0, 20, a, 90, 160) with { FirstMatchFrame = 0 })));
        for (var w = 2; w < 5; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, AcrossWindow(w, 1, "a", 1.0, 22, a, 110, 180))));
        }

        var withdrawn = changes.Count;
        for (var w = 5; w < 7; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, AcrossWindow(w, 2, "b", 1.0, 28, bLater, 175, 265),
                AcrossWindow(w, 1, "a", 0.96, 7.3, a, 27, 265))));
        }

        for (var w = 7; w < 12; w++)
        {
            changes.AddRange(tracker.Observe(Window(w, AcrossWindow(w, 1, "a", 1.0, 30, a, 150, 200))));
        }

        changes.AddRange(tracker.Complete());

        Assert.Contains(changes.Take(withdrawn), p => p.TrackId == "b" && p.Status == PlayStatus.Retracted);
        Assert.DoesNotContain(changes.Skip(withdrawn), p => p.TrackId == "b" && p.Status == PlayStatus.Ongoing);
        Assert.DoesNotContain(changes, p => p.TrackId == "a" && p.Status == PlayStatus.Retracted);
        Assert.Equal(["a"], Standing(changes).Select(p => p.TrackId));
    }

    [Theory]
    [InlineData(true, new[] { "a" })]
    [InlineData(false, new[] { "a", "b" })]
    public void Observe_SharedSectionOutScoringTheAiringAroundIt_WithdrawnWhenTheAiringWasHeardThroughIt(bool airingHeardThrough, string[] kept)
    {
        // "b" shares a section of "a" (one recording in two entries) and matches it better than "a" does for 16 s, so its
        // evidence is still the larger when its play closes. a's airing then runs on for a minute. If a was heard through
        // the section (weaker, without a confidence of its own), b is its section, withdrawn as it closes; if a's evidence
        // has a gap there, b stands: another song played in a gap the airing bridges.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var a = new Alignment(0, 0, 1, 1);
        var b = new Alignment(0, 5000, 1, 1);
        for (var w = 0; w < 30; w++)
        {
            var start = FingerprintSettings.SecondsToFrame(4 * w);
            var end = start + FingerprintSettings.SecondsToFrame(8);
            var inSection = w is >= 4 and < 8;
            List<TrackMatch> matches = [];
            if (!inSection)
            {
                matches.Add(new TrackMatch(1, "a", 1.0, 12, a, 50, 80, start, end - 1));
            }
            else
            {
                matches.Add(new TrackMatch(2, "b", 1.0, 30, b, 200, 220, start, end - 1));
                if (airingHeardThrough)
                {
                    matches.Add(new TrackMatch(1, "a", 0, 0, a, 15, 80, start, end - 1));
                }
            }

            changes.AddRange(tracker.Observe(new WindowResult(start, end, matches)));
        }

        changes.AddRange(tracker.Complete());

        Assert.Contains(changes, p => p.TrackId == "b" && p.Status == PlayStatus.Ongoing);
        var standing = changes.Where(p => p.Status == PlayStatus.Closed)
            .Where(p => !changes.Any(r => r.Id == p.Id && r.Status == PlayStatus.Retracted))
            .Select(p => p.TrackId);
        Assert.Equal(kept, standing.Order());
    }

    [Theory]
    [InlineData(0, new[] { "a" })]
    [InlineData(24, new[] { "a", "b" })]
    public void Observe_SharedSectionFoundBeforeTheAiringsLateStart_WithdrawnIfTheAiringWasUnderWay(int aTopSeconds, string[] kept)
    {
        // "b" shares a section of "a" and is found from 20 s; a itself is found only from 24 s on (its quiet intro hid under
        // noise), weaker per window than b in the section, then alone for a minute. If a's alignment puts its top at 0 s, a
        // was on air when b began: b was its shadow. If a's top is at 24 s, b began before a did and stands.
        var tracker = new PlayTracker();
        var changes = new List<Play>();
        var a = new Alignment(0, -FingerprintSettings.SecondsToFrame(aTopSeconds), 1, 1);
        var b = new Alignment(0, 5000, 1, 1);
        for (var w = 5; w < 26; w++)
        {
            List<TrackMatch> matches = [];
            if (w < 9)
            {
                matches.Add(AcrossWindow(w, 2, "b", 1.0, 20, b, 90, 120));
            }

            if (w >= 6)
            {
                var match = AcrossWindow(w, 1, "a", 1.0, w < 9 ? 8 : 15, a, w < 9 ? 40 : 60, 120);
                matches.Add(w == 6 ? match with { FirstMatchFrame = FingerprintSettings.SecondsToFrame(24) } : match);
            }

            changes.AddRange(tracker.Observe(Window(w, [.. matches])));
        }

        changes.AddRange(tracker.Complete());

        Assert.Contains(changes, p => p.TrackId == "b" && p.Status == PlayStatus.Closed);
        Assert.Equal(kept, Standing(changes).Select(p => p.TrackId).Order());
    }

    [Fact]
    public void Observe_EvidenceOnlyMatch_CarriesAnOpenPlayOnButNeverConfirmsOrStartsOne()
    {
        var alignment = new Alignment(0, 0, 1, 1);
        TrackMatch Strong(double fromSeconds) => new(4, "x", 0.99, 8, alignment, 50, 60,
            FingerprintSettings.SecondsToFrame(fromSeconds), FingerprintSettings.SecondsToFrame(fromSeconds + 7));
        TrackMatch Fading(double fromSeconds, double toSeconds) => new(4, "x", 0, 0, alignment, 6, 60,
            FingerprintSettings.SecondsToFrame(fromSeconds), FingerprintSettings.SecondsToFrame(toSeconds));

        // One strong window is not enough, and evidence without confidence does not make it two.
        var unconfirmed = new PlayTracker();
        Assert.Empty(unconfirmed.Observe(Window(0, Strong(0))));
        Assert.Empty(unconfirmed.Observe(Window(1, Fading(7, 11))));
        Assert.Empty(unconfirmed.Complete());

        // Nor does it start a play on its own.
        var empty = new PlayTracker();
        Assert.Empty(empty.Observe(Window(0, Fading(0, 7))));
        Assert.Empty(empty.Complete());

        // A confirmed play is carried on to where the fading evidence ends.
        var tracker = new PlayTracker();
        tracker.Observe(Window(0, Strong(0)));
        Assert.Equal(PlayStatus.Ongoing, Assert.Single(tracker.Observe(Window(1, Strong(4)))).Status);
        tracker.Observe(Window(2, Fading(11, 15)));
        var closed = Assert.Single(tracker.Complete());
        Assert.Equal(FingerprintSettings.SecondsToFrame(15), closed.EndFrame);
    }

    [Fact]
    public void Observe_NextSongUnderCrossfade_ReportedWhileThePreviousIsStillOpen()
    {
        // "b" comes in under the end of "a": its first window lies inside a's span, but a's evidence runs out where
        // b's does. It is the next song, not a shadow, and is reported at once.
        var tracker = new PlayTracker();
        var window = FingerprintSettings.SecondsToFrame(8);
        var step = FingerprintSettings.SecondsToFrame(4);
        for (var w = 0; w < 5; w++)
        {
            var start = w * step;
            Assert.DoesNotContain(tracker.Observe(new WindowResult(start, start + window,
                [new TrackMatch(1, "a", 1.0, 12, new Alignment(0, 0, 1, 1), 60, 80, start, start + window - 1)])), p => p.TrackId != "a");
        }

        var crossfade = 5 * step;
        var end = crossfade + window - 1;
        var changes = tracker.Observe(new WindowResult(crossfade, crossfade + window,
        [
            new TrackMatch(1, "a", 1.0, 9, new Alignment(0, 0, 1, 1), 40, 80, crossfade, end),
            new TrackMatch(2, "b", 1.0, 14, new Alignment(0, 900, 1, 1), 45, 80, end - FingerprintSettings.SecondsToFrame(3), end),
        ]));

        var b = Assert.Single(changes, p => p.TrackId == "b");
        Assert.Equal(PlayStatus.Ongoing, b.Status);
        Assert.Contains(tracker.Ongoing, p => p.TrackId == "a");
    }

    private static double Seconds(long frame) => FingerprintSettings.FrameCentreSeconds(frame);

    // Confident evidence of track "a" (ending at track frame trackEnd) at an alignment, between two times in seconds.
    private static TrackMatch Heard(Alignment alignment, double from, double to, int trackEnd, double score = 15) =>
        new(1, "a", 1.0, score, alignment, 60, 120, FingerprintSettings.SecondsToFrame(from), FingerprintSettings.SecondsToFrame(to)) { TrackEndFrame = trackEnd };

    // The plays that stand once the stream is over: each play's last state, when that is closed (a play withdrawn while
    // open and shown again can still close); by start.
    private static List<Play> Standing(List<Play> changes) =>
        [.. changes.GroupBy(p => p.Id).Select(g => g.Last()).Where(p => p.Status == PlayStatus.Closed).OrderBy(p => p.StartFrame)];

    // Window w of a stream on the matcher's grid (8 s every 4 s), and a match whose evidence spans all of it.
    private static WindowResult Window(int w, params TrackMatch[] matches) =>
        new(FingerprintSettings.SecondsToFrame(4 * w), FingerprintSettings.SecondsToFrame((4 * w) + 8), matches);

    private static TrackMatch AcrossWindow(int w, int track, string id, double confidence, double score, Alignment alignment, int matched, int compared) =>
        new(track, id, confidence, score, alignment, matched, compared,
            FingerprintSettings.SecondsToFrame(4 * w), FingerprintSettings.SecondsToFrame((4 * w) + 8) - 1);

    private static RunResult Run(float[] audio, int blockSize)
    {
        var extractor = new PeakExtractor();
        var stream = new StreamMatcher(new Matcher(SyntheticCatalogue.Shared.Index));
        var tracker = new PlayTracker();
        var closed = new List<Play>();
        var ongoing = new List<(Play Play, double AtSeconds)>();
        var peaks = new List<Peak>();
        var at = 0;
        void OnWindow(WindowResult window)
        {
            foreach (var change in tracker.Observe(window))
            {
                if (change.Status == PlayStatus.Closed)
                {
                    closed.Add(change);
                }
                else
                {
                    ongoing.Add((change, at / (double)Rate));
                }
            }
        }

        while (at < audio.Length)
        {
            var count = Math.Min(blockSize, audio.Length - at);
            peaks.Clear();
            extractor.Write(audio.AsSpan(at, count), peaks);
            at += count;
            stream.Append(CollectionsMarshal.AsSpan(peaks), extractor.Frames, OnWindow);
        }

        peaks.Clear();
        extractor.Flush(peaks);
        stream.Append(CollectionsMarshal.AsSpan(peaks), extractor.Frames, OnWindow);
        stream.Complete(extractor.Frames, OnWindow);
        closed.AddRange(tracker.Complete());
        closed.Sort((a, b) => a.StartFrame.CompareTo(b.StartFrame));
        return new RunResult(closed, ongoing);
    }

    private sealed record RunResult(List<Play> Closed, List<(Play Play, double AtSeconds)> Ongoing);
}
