namespace Zamio.Bench;

/// <summary>Clip identification outcome for one group (condition × length, or a no-match kind).</summary>
internal sealed record ClipGroup
{
    public string Group { get; init; } = "";
    public int Clips { get; init; }
    public int Correct { get; init; }
    public int Null { get; init; }
    public int Wrong { get; init; }

    /// <summary>Wrong answers naming another entry that holds the clip's recording there (the same audio).</summary>
    public int Shared { get; init; }

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
    // An answer's offset on the other entry may be this far from where the shared stretch puts the clip.
    private const double SharedOffsetTolerance = 2.0;

    public static ClipSummary Score(IReadOnlyList<ClipTruth> truth, IReadOnlyList<ClipResult> results, IReadOnlyList<SharedRecording>? shared = null)
    {
        shared ??= [];
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
                rows.Add(Group(FormattableString.Invariant($"{g.Key} {len.Key}s"), len.ToList(), shared));
            }
        }

        foreach (var len in matches.GroupBy(o => o.Truth.Length).OrderBy(l => l.Key))
        {
            rows.Add(Group(FormattableString.Invariant($"all {len.Key}s"), len.ToList(), shared));
        }

        rows.Add(Group("all", matches, shared));

        var none = outcomes.Where(o => o.Truth.Track is null).ToList();
        var noMatch = none.GroupBy(o => o.Truth.Kind.Length == 0 ? "unknown" : o.Truth.Kind)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Group(g.Key, g.ToList(), shared))
            .Append(Group("all", none, shared))
            .ToList();
        return new ClipSummary
        {
            Matches = rows,
            NoMatch = noMatch,
            Unanswered = outcomes.Count(o => o.Answer is null),
        };
    }

    // The answer names an entry holding the truth track's recording at the clip's offset, and puts the clip where that
    // stretch does.
    private static bool SameAudio(ClipTruth truth, ClipResult answer, IReadOnlyList<SharedRecording> shared) =>
        truth.Offset is { } at && answer.Offset is { } answered && shared.Any(r =>
            r.Track == truth.Track && r.Shares == answer.Track && r.Stretches.Any(s =>
                at >= s.Start - SharedOffsetTolerance && at <= s.End
                && Math.Abs(s.SharesStart + (at - s.Start) * s.Speed - answered) <= SharedOffsetTolerance));

    /// <summary>For match clips "correct" is the right track; for no-match clips it is a null answer.</summary>
    private static ClipGroup Group(string name, List<(ClipTruth Truth, ClipResult? Answer)> items, IReadOnlyList<SharedRecording> shared)
    {
        int correct = 0, nulls = 0, wrong = 0, sameAudio = 0;
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
                sameAudio += answer is not null && SameAudio(truth, answer, shared) ? 1 : 0;
            }
        }

        return new ClipGroup
        {
            Group = name,
            Clips = items.Count,
            Correct = correct,
            Null = nulls,
            Wrong = wrong,
            Shared = sameAudio,
            Accuracy = items.Count == 0 ? double.NaN : (double)correct / items.Count,
            OffsetError = ErrorStats.Of(offsets),
        };
    }
}
