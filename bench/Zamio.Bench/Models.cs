namespace Zamio.Bench;

/// <summary>One programme's ground truth, as written by scripts/bench/make_dataset.py.</summary>
internal sealed record ProgrammeTruth
{
    public string Programme { get; init; } = "";
    public string Condition { get; init; } = "";
    public double Duration { get; init; }
    public IReadOnlyList<TruthPlay> Plays { get; init; } = [];
    public IReadOnlyList<UnknownSegment> Unknown { get; init; } = [];
}

internal sealed record TruthPlay(string Track, double Start, double End)
{
    public double? Speed { get; init; }
    public double? Tempo { get; init; }

    /// <summary>Where in its track the play's audible part begins (seconds of the source).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("source_start")]
    public double? SourceStart { get; init; }

    public double Length => End - Start;

    /// <summary>The track's position at programme time <paramref name="at"/> within the play.</summary>
    public double? SourceAt(double at) => SourceStart + (at - Start) * (Speed ?? 1) * (Tempo ?? 1);
}

/// <summary>Audio that must not produce a play: unknown music, speech or a jingle.</summary>
internal sealed record UnknownSegment(double Start, double End, string Kind)
{
    /// <summary>Catalogue tracks whose recording this unknown music contains in places: a play of one of them here is
    /// the catalogue's own audio on air, counted apart from false plays.</summary>
    public IReadOnlyList<string> Shares { get; init; } = [];
}

/// <summary>One line of `scan` output.</summary>
internal sealed record PredictedPlay(string Track, double Start, double End)
{
    public double? Confidence { get; init; }
    public double? Speed { get; init; }

    /// <summary>When a live stream would first have shown the play as ongoing (recording time), if given.</summary>
    public double? Reported { get; init; }

    /// <summary>"retracted" for a play shown as ongoing and later withdrawn (`scan --retracted`); it is not a play.</summary>
    public string? Status { get; init; }

    /// <summary>When a retracted play was withdrawn (recording time).</summary>
    public double? Retracted { get; init; }

    public bool IsRetracted => Status == "retracted";
}

/// <summary>One line of clips/truth.jsonl.</summary>
internal sealed record ClipTruth(string Clip, string? Track, string Condition, int Length)
{
    public double? Offset { get; init; }
    public string Kind { get; init; } = "";
}

/// <summary>One line of `catalog overlaps` output: where <see cref="Track"/> holds <see cref="Shares"/>'s recording.</summary>
internal sealed record SharedRecording(string Track, string Shares)
{
    public IReadOnlyList<SharedStretch> Stretches { get; init; } = [];
}

internal sealed record SharedStretch(double Start, double End, double SharesStart, double SharesEnd)
{
    public double Speed { get; init; } = 1;
}

/// <summary>One line of `identify` output.</summary>
internal sealed record ClipResult(string Clip, string? Track)
{
    public double? Confidence { get; init; }
    public double? Offset { get; init; }
}
