namespace Zamio.Bench;

internal static class Verbs
{
    public static int ScoreScan(Args a)
    {
        var truth = JsonIo.ReadFile<ProgrammeTruth>(a.Required("truth"));
        var plays = JsonIo.ReadLines<PredictedPlay>(a.Required("plays"));
        var score = ScanScorer.Score(truth, plays);
        var rows = ScanSummary.ByCondition([score]);
        Console.Write(Tables.Scan(rows));
        PrintMissed([score]);
        WriteJson(a, new { programmes = new[] { score }, conditions = rows });
        return 0;
    }

    public static int ScoreDir(Args a)
    {
        var programmes = a.Required("programmes");
        var results = a.Required("results");
        var shared = a.Optional("shared") is { } sharedPath ? JsonIo.ReadLines<SharedRecording>(sharedPath) : null;
        var scores = new List<ProgrammeScore>();
        foreach (var truthFile in Directory.GetFiles(programmes, "*.truth.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(truthFile)[..^".truth.json".Length];
            var playsFile = Path.Combine(results, name + ".jsonl");
            var truth = JsonIo.ReadFile<ProgrammeTruth>(truthFile);
            if (!File.Exists(playsFile))
            {
                Console.Error.WriteLine($"warning: no results for {name} ({playsFile}); scored as no plays");
            }

            var plays = File.Exists(playsFile) ? JsonIo.ReadLines<PredictedPlay>(playsFile) : [];
            scores.Add(ScanScorer.Score(truth with { Programme = name }, plays, shared));
        }

        if (scores.Count == 0)
        {
            throw new ArgumentException($"no *.truth.json files in {programmes}");
        }

        var rows = ScanSummary.ByCondition(scores);
        Console.Write(Tables.Scan(rows));
        var all = rows[^1];
        var sameAudio = shared is null ? "" : $", {all.WronglyShownSameAudio} of them holding the recording on air there";
        Console.WriteLine($"shown as ongoing, then retracted: {all.Retracted} ({all.WronglyShown} of a track not on air there{sameAudio})");
        PrintMissed(scores);
        WriteJson(a, new { programmes = scores, conditions = rows });
        return 0;
    }

    public static int ScoreClips(Args a)
    {
        var truth = JsonIo.ReadLines<ClipTruth>(a.Required("truth"));
        var results = JsonIo.ReadLines<ClipResult>(a.Required("results"));
        var shared = a.Optional("shared") is { } path ? JsonIo.ReadLines<SharedRecording>(path) : null;
        var summary = ClipScorer.Score(truth, results, shared);
        Console.Write(Tables.Clips(summary));
        WriteJson(a, summary);
        return 0;
    }

    private static void PrintMissed(IEnumerable<ProgrammeScore> scores)
    {
        foreach (var s in scores.Where(s => s.Missed.Count > 0))
        {
            Console.WriteLine($"  missed in {s.Programme}: {string.Join(", ", s.Missed)}");
        }

        foreach (var s in scores.Where(s => s.WronglyShown.Count > 0))
        {
            Console.WriteLine($"  wrongly shown as ongoing in {s.Programme}: {string.Join(", ", s.WronglyShown)}");
        }
    }

    private static void WriteJson<T>(Args a, T value)
    {
        if (a.Optional("json") is { } path)
        {
            JsonIo.Write(path, value);
        }
    }
}
