namespace Zamio.Bench;

/// <summary>Clip identification outcome for one group (condition × length, or a no-match kind).</summary>
internal sealed record ClipGroup
{
    public string Group { get; init; } = "";
    public int Clips { get; init; }
    public int Correct { get; init; }
    public int Null { get; init; }
    public int Wrong { get; init; }
    public double Accuracy { get; init; }
    public ErrorStats OffsetError { get; init; } = ErrorStats.Of([]);
}

internal sealed record ClipSummary
{
    public IReadOnlyList<ClipGroup> Matches { get; init; } = [];
    public IReadOnlyList<ClipGroup> NoMatch { get; init; } = [];
    public int Unanswered { get; init; }
}

internal static class ClipScorer
{
    public static ClipSummary Score(IReadOnlyList<ClipTruth> truth, IReadOnlyList<ClipResult> results)
    {
        var answers = new Dictionary<string, ClipResult>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            answers[r.Clip] = r;
        }

        var outcomes = truth.Select(t => (Truth: t, Answer: answers.GetValueOrDefault(t.Clip))).ToList();
        var matches = outcomes.Where(o => o.Truth.Track is not null).ToList();
        var rows = new List<ClipGroup>();
        foreach (var g in matches.GroupBy(o => o.Truth.Condition).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var len in g.GroupBy(o => o.Truth.Length).OrderBy(l => l.Key))
            {
                rows.Add(Group(FormattableString.Invariant($"{g.Key} {len.Key}s"), len.ToList()));
            }
        }

        foreach (var len in matches.GroupBy(o => o.Truth.Length).OrderBy(l => l.Key))
        {
            rows.Add(Group(FormattableString.Invariant($"all {len.Key}s"), len.ToList()));
        }

        rows.Add(Group("all", matches));

        var none = outcomes.Where(o => o.Truth.Track is null).ToList();
        var noMatch = none.GroupBy(o => o.Truth.Kind.Length == 0 ? "unknown" : o.Truth.Kind)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Group(g.Key, g.ToList()))
            .Append(Group("all", none))
            .ToList();
        return new ClipSummary
        {
            Matches = rows,
            NoMatch = noMatch,
            Unanswered = outcomes.Count(o => o.Answer is null),
        };
    }

    /// <summary>For match clips "correct" is the right track; for no-match clips it is a null answer.</summary>
    private static ClipGroup Group(string name, List<(ClipTruth Truth, ClipResult? Answer)> items)
    {
        int correct = 0, nulls = 0, wrong = 0;
        var offsets = new List<double>();
        foreach (var (truth, answer) in items)
        {
            var track = answer?.Track;
            if (track is null)
            {
                nulls++;
                correct += truth.Track is null ? 1 : 0;
            }
            else if (track == truth.Track)
            {
                correct++;
                if (truth.Offset is { } o && answer?.Offset is { } ao)
                {
                    offsets.Add(ao - o);
                }
            }
            else
            {
                wrong++;
            }
        }

        return new ClipGroup
        {
            Group = name,
            Clips = items.Count,
            Correct = correct,
            Null = nulls,
            Wrong = wrong,
            Accuracy = items.Count == 0 ? double.NaN : (double)correct / items.Count,
            OffsetError = ErrorStats.Of(offsets),
        };
    }
}
