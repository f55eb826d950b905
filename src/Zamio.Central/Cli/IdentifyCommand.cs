using Zamio.Central.Catalog;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Central.Cli;

/// <summary><c>identify CLIP...</c>: one JSON line per clip, in argument order, sharing one loaded index.</summary>
public static class IdentifyCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        var cli = CliArguments.Parse(args, SpeedSearchOption.Options, new HashSet<string>());
        if (cli.Positional.Count == 0)
        {
            throw new CliUsageException("identify needs at least one clip");
        }

        var speeds = SpeedSearchOption.Grid(cli);
        var index = CatalogLoader.Load(cli.DataDirectory);
        var results = new ClipResult[cli.Positional.Count];
        var matchers = new ThreadLocal<Matcher>(() => new Matcher(index, speeds: speeds));
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => results[i] = Identify(cli.Positional[i], matchers.Value!));
        var failed = 0;
        foreach (var result in results)
        {
            if (result.Error is not null)
            {
                failed++;
                Console.Error.WriteLine($"error: {result.Clip}: {result.Error}");
            }

            JsonLines.Write(result);
        }

        return failed == 0 ? 0 : 1;
    }

    public static ClipResult Identify(string path, Matcher matcher)
    {
        var clip = Path.GetFileNameWithoutExtension(path);
        try
        {
            var audio = Fingerprinter.FromFile(path);
            return FromMatch(clip, ClipMatch.Best(matcher, audio.Peaks));
        }
        catch (Exception ex) when (ex is AudioFormatException or IOException or UnauthorizedAccessException)
        {
            return new ClipResult(clip, null, 0, null, null, ex.Message);
        }
    }

    private static ClipResult FromMatch(string clip, TrackMatch? match)
    {
        if (match is null)
        {
            return new ClipResult(clip, null, 0, null, null, null);
        }

        var figures = ClipFigures.Of(match);
        return new ClipResult(clip, match.TrackId, figures.Confidence, figures.Offset, figures.Speed, null);
    }
}

/// <summary>What <c>identify</c> prints for one clip.</summary>
public sealed record ClipResult(string Clip, string? Track, double Confidence, double? Offset, double? Speed, string? Error);
