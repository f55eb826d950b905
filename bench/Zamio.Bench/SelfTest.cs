namespace Zamio.Bench;

/// <summary>Checks the scorer on hand-made truth and predictions, so a scoring bug can't pass for a
/// matcher regression. Run with `self-test`; exits non-zero on the first failure.</summary>
internal static class SelfTest
{
    private static int _checks;

    public static int Run()
    {
        try
        {
            PerfectPredictionsScoreFull();
            ShiftedBoundariesGiveThoseErrors();
            ReportDelaysAreMeasuredFromTheStartOnAir();
            MissingAndWrongTrackLowerRecall();
            FalsePlayOnUnknownMusicIsCounted();
            PlayOfSharedMaterialIsCountedApart();
            SplitPlayIsCounted();
            SongSeguedIntoItselfIsNoSplit();
            RetractedPlaysAreNoPlays();
            ShortPlaysAreOutsideRecall();
            RepeatedTrackMatchesEachAiring();
            CrossfadedPlaysMatchTheirOwnTrack();
            JsonLinesSkipNoise();
            ClipsAreScored();
            PercentilesInterpolate();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"self-test FAILED: {e.Message}");
            return 1;
        }

        Console.WriteLine($"self-test passed ({_checks} checks)");
        return 0;
    }

    private static void RetractedPlaysAreNoPlays()
    {
        var preds = Perfect();
        preds.Add(new PredictedPlay("d", 10, 30) { Reported = 14, Status = "retracted", Retracted = 18 });   // not on air
        preds.Add(new PredictedPlay("b", 180, 200) { Reported = 184, Status = "retracted", Retracted = 190 }); // on air there
        var score = ScanScorer.Score(Truth(), preds);
        Check(score.FalsePlays == 0 && score.Predicted == 4 && score.SplitPlays == 0, "retracted: not counted as plays");
        Check(score.Retracted == 2 && score.WronglyShown.Count == 1 && score.WronglyShown[0] == "d@10.0 shown 4.0 s",
            $"retracted: one wrongly shown, for 4 s ({string.Join(", ", score.WronglyShown)})");

        // "a" airs from 30 s into its track, at 2 % fast; "d" holds a's recording from 40 to 70 s of a.
        var truth = Truth() with { Plays = [.. Truth().Plays.Select((p, i) => i == 0 ? p with { SourceStart = 30, Speed = 1.02 } : p)] };
        SharedRecording[] shared = [new("a", "d") { Stretches = [new SharedStretch(40, 70, 0, 30)] }];
        var sameAudio = ScanScorer.Score(truth, preds, shared);
        Check(sameAudio.WronglyShownSameAudio == 1 && sameAudio.WronglyShown[0] == "d@10.0 shown 4.0 s (same audio)",
            "retracted: d shown where a plays a's 50th second, which d holds");
        var elsewhere = preds.Select(p => p.Track == "d" ? p with { Start = 100, End = 120 } : p).ToList();
        Check(ScanScorer.Score(truth, elsewhere, shared).WronglyShownSameAudio == 0, "retracted: d shown where a plays its 142nd second, which d does not hold");
    }

    private static ProgrammeTruth Truth() => new()
    {
        Programme = "t",
        Condition = "clean",
        Duration = 900,
        Plays =
        [
            new TruthPlay("a", 0, 180),
            new TruthPlay("b", 177, 400),   // 3 s crossfade with "a"
            new TruthPlay("c", 430, 455),   // a short play, 25 s
            new TruthPlay("a", 600, 790),   // repeat of "a"
        ],
        Unknown = [new UnknownSegment(400, 430, "music"), new UnknownSegment(455, 600, "speech")],
    };

    private static List<PredictedPlay> Perfect() =>
        Truth().Plays.Select(p => new PredictedPlay(p.Track, p.Start, p.End)).ToList();

    private static void PerfectPredictionsScoreFull()
    {
        var s = ScanScorer.Score(Truth(), Perfect());
        var sum = ScanSummary.Of("clean", [s]);
        Check(sum.Recall == 1.0 && sum.Precision == 1.0, "perfect: recall and precision 100 %");
        Check(s.FalsePlays == 0 && s.SplitPlays == 0, "perfect: no false or split plays");
        Check(sum.StartError.Max == 0 && sum.EndError.Max == 0, "perfect: zero boundary error");
    }

    private static void ShiftedBoundariesGiveThoseErrors()
    {
        var shifted = Perfect().Select((p, i) => p with { Start = p.Start + (i + 1), End = p.End - 2 }).ToList();
        var sum = ScanSummary.Of("x", [ScanScorer.Score(Truth(), shifted)]);
        Check(sum.Recall == 1.0, "shifted: still all found");
        Check(Near(sum.StartError.Median, 2.5) && Near(sum.StartError.Max, 4), "shifted: start errors 1..4 s");
        Check(Near(sum.EndError.Median, 2) && Near(sum.EndError.P95, 2), "shifted: end errors 2 s");
        // "a" ends and "b" starts under their crossfade; every other boundary is clear.
        Check(sum.ClearStartError.Count == 3 && Near(sum.ClearStartError.Median, 3) && Near(sum.ClearStartError.Max, 4),
            "shifted: clear starts a, c and the repeat of a (1, 3, 4 s)");
        Check(sum.ClearEndError.Count == 3 && Near(sum.ClearEndError.Max, 2), "shifted: clear ends b, c and the repeat of a");
    }

    private static void ReportDelaysAreMeasuredFromTheStartOnAir()
    {
        var reported = Perfect().Select((p, i) => p with { Reported = p.Start + 2 * (i + 1) }).ToList();
        var sum = ScanSummary.Of("x", [ScanScorer.Score(Truth(), reported)]);
        Check(sum.ReportDelay.Count == 4 && Near(sum.ReportDelay.Median, 5) && Near(sum.ReportDelay.Max, 8), "report delays 2..8 s");
        Check(ScanSummary.Of("x", [ScanScorer.Score(Truth(), Perfect())]).ReportDelay.Count == 0, "no report times, no delays");
        // "b" starts under the end of "a"; the others start where nothing else sounds (touching is not overlapping).
        Check(sum.ClearStartReportDelay.Count == 3 && Near(sum.ClearStartReportDelay.Median, 6) && Near(sum.ClearStartReportDelay.Max, 8),
            "clear-start delays: a, c and the repeat of a (2, 6, 8 s)");
    }

    private static void MissingAndWrongTrackLowerRecall()
    {
        var preds = Perfect();
        preds.RemoveAt(3);
        preds[1] = preds[1] with { Track = "zzz" };
        var s = ScanScorer.Score(Truth(), preds);
        var sum = ScanSummary.Of("x", [s]);
        Check(Near(sum.Recall, 0.5), "missing+wrong: recall 2/4");
        Check(s.FalsePlays == 1 && Near(sum.Precision, 2.0 / 3), "wrong track is a false play");
        Check(s.FalseOnUnknownMusic == 0, "wrong track over a song is not a false play on unknown music");
    }

    private static void FalsePlayOnUnknownMusicIsCounted()
    {
        var preds = Perfect();
        preds.Add(new PredictedPlay("d", 402, 428));
        var s = ScanScorer.Score(Truth(), preds);
        Check(s.FalsePlays == 1 && s.FalseOnUnknownMusic == 1, "play inside unknown music is counted");
        Check(Near(ScanSummary.Of("x", [s]).Precision, 0.8), "precision 4/5");
    }

    private static void PlayOfSharedMaterialIsCountedApart()
    {
        var truth = Truth() with { Unknown = [new UnknownSegment(400, 430, "music") { Shares = ["d"] }, new UnknownSegment(455, 600, "speech")] };
        var preds = Perfect();
        preds.Add(new PredictedPlay("d", 402, 428));
        preds.Add(new PredictedPlay("e", 405, 425));
        var s = ScanScorer.Score(truth, preds);
        Check(s.OnSharedMaterial == 1 && s.FalsePlays == 1 && s.FalseOnUnknownMusic == 1, "shared material: apart; another track there is false");
        Check(Near(ScanSummary.Of("x", [s]).Precision, 0.8), "shared material: out of precision, 4/5");
    }

    private static void SplitPlayIsCounted()
    {
        var preds = Perfect();
        preds[1] = new PredictedPlay("b", 177, 250);
        preds.Add(new PredictedPlay("b", 260, 400));
        var s = ScanScorer.Score(Truth(), preds);
        Check(s.SplitPlays == 1, "one split play");
        Check(s.FoundAll == 4 && s.FalsePlays == 1, "split: the larger part matches, the other is false");
        Check(s.EndErrors[1] == 0 && Near(s.StartErrors[1], 83), "split: errors are those of the matched part");
    }

    private static void SongSeguedIntoItselfIsNoSplit()
    {
        var truth = Truth() with { Plays = [.. Truth().Plays, new TruthPlay("a", 788, 850)] };
        var preds = Perfect();
        preds.Add(new PredictedPlay("a", 788.2, 850));
        var s = ScanScorer.Score(truth, preds);
        Check(s.FoundAll == 5 && s.SplitPlays == 0, "a song aired again as it ends: two plays, no split");
    }

    private static void ShortPlaysAreOutsideRecall()
    {
        var truth = Truth() with { Plays = [.. Truth().Plays, new TruthPlay("e", 800, 815)] };
        var s = ScanScorer.Score(truth, Perfect());
        Check(s.EligiblePlays == 4 && s.FoundEligible == 4, "a 15 s play is not in the recall base");
    }

    private static void RepeatedTrackMatchesEachAiring()
    {
        var preds = Perfect();
        preds[0] = new PredictedPlay("a", 0, 790);  // one merged play over both airings
        var s = ScanScorer.Score(Truth(), preds);
        Check(s.FoundAll == 3, "merged repeat: only one airing can take the prediction");
        Check(ScanScorer.Qualifies(12, 180, 800), "overlap of 10 s or more qualifies");
        Check(!ScanScorer.Qualifies(8, 180, 800), "small overlap of a long prediction does not");
    }

    private static void CrossfadedPlaysMatchTheirOwnTrack()
    {
        var preds = new List<PredictedPlay> { new("b", 170, 400), new("a", 0, 185) };
        var s = ScanScorer.Score(Truth(), preds);
        Check(s.FoundAll == 2 && Near(s.StartErrors[1], -7) && Near(s.EndErrors[0], 5), "crossfade: per-track matching");
    }

    private static void JsonLinesSkipNoise()
    {
        var lines = new[]
        {
            "info: loading index",
            "",
            """{"track":"a","start":1.5,"end":100,"confidence":0.9,"speed":1.03,"extra":true}""",
            """{"clip":"x","track":null,"confidence":0}""",
        };
        var plays = JsonIo.ParseLines<PredictedPlay>(lines.Take(3));
        Check(plays.Count == 1 && plays[0].Speed == 1.03 && plays[0].Start == 1.5, "jsonl: plays parsed, noise skipped");
        var clips = JsonIo.ParseLines<ClipResult>(lines.Skip(3));
        Check(clips.Count == 1 && clips[0].Track is null, "jsonl: null track parsed");
    }

    private static void ClipsAreScored()
    {
        List<ClipTruth> truth =
        [
            new("c1", "a", "clean", 5) { Offset = 10, Kind = "match" },
            new("c2", "a", "clean", 5) { Offset = 20, Kind = "match" },
            new("c3", "b", "fm", 10) { Offset = 30, Kind = "match" },
            new("c4", null, "clean", 5) { Kind = "music" },
            new("c5", null, "fm", 10) { Kind = "speech" },
        ];
        List<ClipResult> results =
        [
            new("c1", "a") { Offset = 10.5 },
            new("c2", "b"),
            new("c3", null),
            new("c4", "a"),
        ];
        var s = ClipScorer.Score(truth, results);
        var all = s.Matches.Single(g => g.Group == "all");
        Check(all.Clips == 3 && all.Correct == 1 && all.Wrong == 1 && all.Null == 1, "clips: 1 right, 1 wrong, 1 null");
        Check(Near(all.OffsetError.Median, 0.5), "clips: offset error");
        var none = s.NoMatch.Single(g => g.Group == "all");
        Check(none.Clips == 2 && none.Correct == 1 && none.Wrong == 1, "no-match: one null, one false match");
        Check(s.Unanswered == 1, "missing answer counted");
        Check(s.Matches.Any(g => g.Group == "clean 5s" && g.Clips == 2), "grouped by condition and length");

        // c2's answer b is the same audio only where b holds a's recording at a's 20 s, and the answer's offset agrees.
        List<ClipResult> withOffset = [new("c1", "a") { Offset = 10.5 }, new("c2", "b") { Offset = 25.5 }, new("c3", null)];
        SharedRecording Holds(double sharesStart) => new("a", "b") { Stretches = [new SharedStretch(15, 40, sharesStart, sharesStart + 25)] };
        var same = ClipScorer.Score(truth, withOffset, [Holds(20)]).Matches.Single(g => g.Group == "all");
        Check(same.Wrong == 1 && same.Shared == 1 && same.Correct == 1, "clips: a wrong answer on shared audio counted as such");
        var elsewhere = ClipScorer.Score(truth, withOffset, [Holds(60)]).Matches.Single(g => g.Group == "all");
        Check(elsewhere.Wrong == 1 && elsewhere.Shared == 0, "clips: shared audio elsewhere on the other entry is not the clip's");
    }

    private static void PercentilesInterpolate()
    {
        var e = ErrorStats.Of([-4, 1, 2, 3]);
        Check(Near(e.Median, 2.5) && e.Max == 4 && Near(e.P95, 3.85), "stats: abs, median, p95");
        Check(double.IsNaN(ErrorStats.Of([]).Median), "stats: empty is NaN");
    }

    private static bool Near(double a, double b) => Math.Abs(a - b) < 1e-9;

    private static void Check(bool ok, string what)
    {
        _checks++;
        if (!ok)
        {
            throw new InvalidOperationException(what);
        }
    }
}
