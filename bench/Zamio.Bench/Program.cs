using Zamio.Bench;

const string Usage = """
    Zamio.Bench — accuracy scorer for the broadcast benchmark (docs/bench-dataset.md)
      score-scan  --truth P.truth.json --plays P.jsonl [--json OUT]
      score-dir   --programmes DIR --results DIR [--shared OVERLAPS.jsonl] [--json OUT]
        (--shared: plays shown and retracted that hold the recording of the song on air there are marked "same audio")
      score-clips --truth clips/truth.jsonl --results FILE.jsonl [--shared OVERLAPS.jsonl] [--json OUT]
        (--shared: `catalog overlaps --speed-search on` output; wrong answers naming the other entry of the same
        recording at the clip's place are counted in "wrong: same audio")
      self-test
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    var opts = new Args(args.Skip(1));
    return args[0] switch
    {
        "score-scan" => Verbs.ScoreScan(opts),
        "score-dir" => Verbs.ScoreDir(opts),
        "score-clips" => Verbs.ScoreClips(opts),
        "self-test" => SelfTest.Run(),
        _ => Fail($"unknown verb '{args[0]}'\n{Usage}"),
    };
}
catch (Exception e) when (e is ArgumentException or IOException or System.Text.Json.JsonException or InvalidDataException)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}
