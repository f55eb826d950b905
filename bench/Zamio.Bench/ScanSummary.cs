namespace Zamio.Bench;

/// <summary>Scan metrics pooled over the programmes of one condition (or all of them).</summary>
internal sealed record ScanSummary
{
    public string Condition { get; init; } = "";
    public int Programmes { get; init; }
    public double Hours { get; init; }
    public int TruthPlays { get; init; }
    public int EligiblePlays { get; init; }
    public int FoundEligible { get; init; }
    public double Recall { get; init; }
    public int Predicted { get; init; }
    public double Precision { get; init; }
    public int FalsePlays { get; init; }
    public int FalseOnUnknownMusic { get; init; }
    public int OnSharedMaterial { get; init; }
    public int SplitPlays { get; init; }
    public ErrorStats StartError { get; init; } = ErrorStats.Of([]);
    public ErrorStats EndError { get; init; } = ErrorStats.Of([]);
    public ErrorStats SpeedError { get; init; } = ErrorStats.Of([]);

    /// <summary>From a play's start on air to when a live stream would have shown it as ongoing.</summary>
    public ErrorStats ReportDelay { get; init; } = ErrorStats.Of([]);

    /// <summary><see cref="ReportDelay"/> of the plays whose start nothing else sounded over.</summary>
    public ErrorStats ClearStartReportDelay { get; init; } = ErrorStats.Of([]);

    /// <summary><see cref="StartError"/> and <see cref="EndError"/> where nothing else sounded over the boundary.</summary>
    public ErrorStats ClearStartError { get; init; } = ErrorStats.Of([]);

    public ErrorStats ClearEndError { get; init; } = ErrorStats.Of([]);

    /// <summary>Plays shown as ongoing and later retracted; of them, those of a track not on air.</summary>
    public int Retracted { get; init; }

    public int WronglyShown { get; init; }

    /// <summary>Of <see cref="WronglyShown"/>, those holding the recording of the song on air there.</summary>
    public int WronglyShownSameAudio { get; init; }

    public static ScanSummary Of(string condition, IReadOnlyCollection<ProgrammeScore> scores)
    {
        var eligible = scores.Sum(s => s.EligiblePlays);
        var found = scores.Sum(s => s.FoundEligible);
        var predicted = scores.Sum(s => s.Predicted);
        var matched = scores.Sum(s => s.MatchedPredictions);
        return new ScanSummary
        {
            Condition = condition,
            Programmes = scores.Count,
            Hours = scores.Sum(s => s.Duration) / 3600.0,
            TruthPlays = scores.Sum(s => s.TruthPlays),
            EligiblePlays = eligible,
            FoundEligible = found,
            Recall = eligible == 0 ? double.NaN : (double)found / eligible,
            Predicted = predicted,
            // No predictions at all: nothing false was claimed, so precision is perfect.
            Precision = predicted == 0 ? 1.0 : (double)matched / predicted,
            FalsePlays = scores.Sum(s => s.FalsePlays),
            FalseOnUnknownMusic = scores.Sum(s => s.FalseOnUnknownMusic),
            OnSharedMaterial = scores.Sum(s => s.OnSharedMaterial),
            SplitPlays = scores.Sum(s => s.SplitPlays),
            StartError = ErrorStats.Of(scores.SelectMany(s => s.StartErrors)),
            EndError = ErrorStats.Of(scores.SelectMany(s => s.EndErrors)),
            SpeedError = ErrorStats.Of(scores.SelectMany(s => s.SpeedErrors)),
            ReportDelay = ErrorStats.Of(scores.SelectMany(s => s.ReportDelays)),
            ClearStartReportDelay = ErrorStats.Of(scores.SelectMany(s => s.ClearStartReportDelays)),
            ClearStartError = ErrorStats.Of(scores.SelectMany(s => s.ClearStartErrors)),
            ClearEndError = ErrorStats.Of(scores.SelectMany(s => s.ClearEndErrors)),
            Retracted = scores.Sum(s => s.Retracted),
            WronglyShown = scores.Sum(s => s.WronglyShown.Count),
            WronglyShownSameAudio = scores.Sum(s => s.WronglyShownSameAudio),
        };
    }

    /// <summary>One row per condition (in first-seen order) plus an "all" row.</summary>
    public static List<ScanSummary> ByCondition(IReadOnlyCollection<ProgrammeScore> scores)
    {
        var rows = scores.GroupBy(s => s.Condition)
            .Select(g => Of(g.Key, g.ToList()))
            .ToList();
        rows.Add(Of("all", scores));
        return rows;
    }
}
