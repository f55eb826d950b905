namespace Zamio.Bench;

/// <summary>Raw outcome of one programme; kept unaggregated so conditions can pool the errors.</summary>
internal sealed record ProgrammeScore
{
    public string Programme { get; init; } = "";
    public string Condition { get; init; } = "";
    public double Duration { get; init; }
    public int TruthPlays { get; init; }
    public int EligiblePlays { get; init; }
    public int FoundEligible { get; init; }
    public int FoundAll { get; init; }
    public int Predicted { get; init; }
    public int MatchedPredictions { get; init; }
    public int FalsePlays { get; init; }
    public int FalseOnUnknownMusic { get; init; }

    /// <summary>Plays of a catalogue track over unknown music that contains that track's recording: neither right nor false.</summary>
    public int OnSharedMaterial { get; init; }
    public int SplitPlays { get; init; }
    public IReadOnlyList<double> StartErrors { get; init; } = [];
    public IReadOnlyList<double> EndErrors { get; init; } = [];
    public IReadOnlyList<double> SpeedErrors { get; init; } = [];
    public IReadOnlyList<double> ReportDelays { get; init; } = [];

    /// <summary>The report delays of plays whose first seconds nothing else sounds over (see <see cref="ScanScorer.IsClearStart"/>).</summary>
    public IReadOnlyList<double> ClearStartReportDelays { get; init; } = [];

    /// <summary>The start errors of plays with a clear start, and the end errors of plays whose last seconds nothing
    /// else sounds over (see <see cref="ScanScorer.IsClearEnd"/>): the boundary error where the boundary can be heard.</summary>
    public IReadOnlyList<double> ClearStartErrors { get; init; } = [];
    public IReadOnlyList<double> ClearEndErrors { get; init; } = [];
    public IReadOnlyList<string> Missed { get; init; } = [];

    /// <summary>Plays a live stream would have shown as ongoing and later retracted.</summary>
    public int Retracted { get; init; }

    /// <summary>The retracted plays of a track not on air there: a wrong song shown as playing, with how long.</summary>
    public IReadOnlyList<string> WronglyShown { get; init; } = [];

    /// <summary>How many of <see cref="WronglyShown"/> hold the recording on air there (by `catalog overlaps`).</summary>
    public int WronglyShownSameAudio { get; init; }
}

internal static class ScanScorer
{
    /// <summary>Plays shorter than this are reported but not counted in recall.</summary>
    public const double MinRecallLength = 20.0;

    /// <summary>A prediction matches a truth play of the same track when they overlap by at least
    /// half of the shorter one, or by 10 s (a long prediction covering a short play still counts).</summary>
    public static bool Qualifies(double overlap, double truthLength, double predLength) =>
        overlap >= 0.5 * Math.Min(truthLength, predLength) || overlap >= 10.0;

    public static double Overlap(double aStart, double aEnd, double bStart, double bEnd) =>
        Math.Max(0, Math.Min(aEnd, bEnd) - Math.Max(aStart, bStart));

    /// <summary>How long after a play's start something else (a presenter, a jingle, the previous song) must stay away for
    /// the start to count as clear: a masked start can only be named once the song comes through.</summary>
    public const double ClearStartSeconds = 5.0;

    public static bool IsClearStart(ProgrammeTruth truth, TruthPlay play) =>
        IsClear(truth, play, play.Start, play.Start + ClearStartSeconds);

    /// <summary>Whether nothing else (a presenter back-announcing, the next song's crossfade) sounds over a play's last
    /// <see cref="ClearStartSeconds"/>.</summary>
    public static bool IsClearEnd(ProgrammeTruth truth, TruthPlay play) =>
        IsClear(truth, play, play.End - ClearStartSeconds, play.End);

    private static bool IsClear(ProgrammeTruth truth, TruthPlay play, double from, double to) =>
        !truth.Plays.Any(other => !ReferenceEquals(other, play) && Overlap(other.Start, other.End, from, to) > 0)
        && !truth.Unknown.Any(u => Overlap(u.Start, u.End, from, to) > 0);

    // A prediction lies in unknown audio when it spends 5 s (or half its span) there.
    private static bool Inside(PredictedPlay q, IEnumerable<UnknownSegment> segments) =>
        segments.Sum(u => Overlap(q.Start, q.End, u.Start, u.End)) >= Math.Min(5.0, 0.5 * (q.End - q.Start));

    // A retracted play is the song on air's audio when an overlap of the two entries puts that song's position there.
    private const double SharedTolerance = 2.0;

    public static ProgrammeScore Score(ProgrammeTruth truth, IReadOnlyList<PredictedPlay> lines, IReadOnlyList<SharedRecording>? shared = null)
    {
        var plays = truth.Plays;
        var predicted = lines.Where(p => !p.IsRetracted).ToList();
        var retracted = lines.Where(p => p.IsRetracted).ToList();
        var pairs = Pairs(plays, predicted);

        // Greedy on overlap: each truth play takes at most one prediction and vice versa.
        var truthTaken = new int[plays.Count];
        var predTaken = new bool[predicted.Count];
        Array.Fill(truthTaken, -1);
        foreach (var (t, p, _) in pairs.OrderByDescending(x => x.Overlap).ThenBy(x => x.Truth).ThenBy(x => x.Pred))
        {
            if (truthTaken[t] < 0 && !predTaken[p])
            {
                truthTaken[t] = p;
                predTaken[p] = true;
            }
        }

        var starts = new List<double>();
        var ends = new List<double>();
        var speeds = new List<double>();
        var delays = new List<double>();
        var clearDelays = new List<double>();
        var clearStarts = new List<double>();
        var clearEnds = new List<double>();
        var missed = new List<string>();
        int eligible = 0, foundEligible = 0, foundAll = 0, split = 0;
        for (var t = 0; t < plays.Count; t++)
        {
            var play = plays[t];
            var isEligible = play.Length >= MinRecallLength;
            eligible += isEligible ? 1 : 0;
            var p = truthTaken[t];
            if (p < 0)
            {
                missed.Add(FormattableString.Invariant($"{play.Track}@{play.Start:0.0}"));
            }
            else
            {
                foundAll++;
                foundEligible += isEligible ? 1 : 0;
                starts.Add(predicted[p].Start - play.Start);
                ends.Add(predicted[p].End - play.End);
                if (IsClearStart(truth, play))
                {
                    clearStarts.Add(predicted[p].Start - play.Start);
                }

                if (IsClearEnd(truth, play))
                {
                    clearEnds.Add(predicted[p].End - play.End);
                }
                if (play.Speed is { } s && predicted[p].Speed is { } ps)
                {
                    speeds.Add(ps - s);
                }

                if (predicted[p].Reported is { } reported)
                {
                    delays.Add(reported - play.Start);
                    if (IsClearStart(truth, play))
                    {
                        clearDelays.Add(reported - play.Start);
                    }
                }
            }

            // More than one same-track prediction inside one airing would bill it twice; one that is the match of the
            // next airing (a song segued into itself) only shares the segue.
            var covering = Enumerable.Range(0, predicted.Count).Count(i => predicted[i].Track == play.Track
                && (i == p || !predTaken[i])
                && Overlap(predicted[i].Start, predicted[i].End, play.Start, play.End) >= Math.Min(1.0, 0.5 * (predicted[i].End - predicted[i].Start)));
            split += covering > 1 ? 1 : 0;
        }

        var wrong = retracted.Where(r => !plays.Any(t => t.Track == r.Track && Overlap(t.Start, t.End, r.Start, r.End) > 0)).ToList();
        var music = truth.Unknown.Where(u => u.Kind == "music").ToList();
        var unmatched = Enumerable.Range(0, predicted.Count).Where(i => !predTaken[i]).Select(i => predicted[i]).ToList();
        var onShared = unmatched.RemoveAll(q => Inside(q, music.Where(u => u.Shares.Contains(q.Track))));
        var onUnknown = unmatched.Count(q => Inside(q, music));

        return new ProgrammeScore
        {
            Programme = truth.Programme,
            Condition = truth.Condition,
            Duration = truth.Duration,
            TruthPlays = plays.Count,
            EligiblePlays = eligible,
            FoundEligible = foundEligible,
            FoundAll = foundAll,
            Predicted = predicted.Count - onShared,
            MatchedPredictions = predTaken.Count(x => x),
            FalsePlays = unmatched.Count,
            FalseOnUnknownMusic = onUnknown,
            OnSharedMaterial = onShared,
            SplitPlays = split,
            StartErrors = starts,
            EndErrors = ends,
            SpeedErrors = speeds,
            ReportDelays = delays,
            ClearStartReportDelays = clearDelays,
            ClearStartErrors = clearStarts,
            ClearEndErrors = clearEnds,
            Missed = missed,
            Retracted = retracted.Count,
            WronglyShown = wrong
                .Select(r => FormattableString.Invariant($"{r.Track}@{r.Start:0.0} shown {(r.Retracted ?? r.End) - (r.Reported ?? r.Start):0.0} s{(SameAudio(r, plays, shared) ? " (same audio)" : "")}"))
                .ToList(),
            WronglyShownSameAudio = wrong.Count(r => SameAudio(r, plays, shared)),
        };
    }

    // The song on air at the middle of the retracted play holds the retracted track's recording at that point.
    private static bool SameAudio(PredictedPlay shown, IReadOnlyList<TruthPlay> plays, IReadOnlyList<SharedRecording>? shared)
    {
        var at = (shown.Start + shown.End) / 2;
        return shared is not null && plays.Any(t => t.Start <= at && at <= t.End && t.SourceAt(at) is { } position
            && shared.Any(r => r.Track == t.Track && r.Shares == shown.Track
                && r.Stretches.Any(s => position >= s.Start - SharedTolerance && position <= s.End + SharedTolerance)));
    }

    private static List<(int Truth, int Pred, double Overlap)> Pairs(
        IReadOnlyList<TruthPlay> plays, IReadOnlyList<PredictedPlay> predicted)
    {
        var pairs = new List<(int, int, double)>();
        for (var t = 0; t < plays.Count; t++)
        {
            for (var p = 0; p < predicted.Count; p++)
            {
                var a = plays[t];
                var b = predicted[p];
                if (a.Track != b.Track)
                {
                    continue;
                }

                var overlap = Overlap(a.Start, a.End, b.Start, b.End);
                if (overlap > 0 && Qualifies(overlap, a.Length, b.End - b.Start))
                {
                    pairs.Add((t, p, overlap));
                }
            }
        }

        return pairs;
    }
}
