using System.Text.Json.Serialization;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Archive;

/// <summary>
/// A play found by rematching, marked against the stored plays: <c>new</c>, <c>written</c> (new, and stored by this
/// run), <c>already</c> (stored by live ingest or an earlier rematch), or <c>conflict</c> (another track is stored over
/// most of it, named in <see cref="With"/>: the same recording twice in the catalogue, for a person to settle).
/// </summary>
public sealed record RematchFinding(string Station, string Track, DateTimeOffset Start, DateTimeOffset End, double Confidence, double Speed, string Stored)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? With { get; init; }

    // Its own key: a second run writes onto the same row, and never onto a row live ingest keeps updating.
    public PlayRecord ToRecord() =>
        new(Station, $"{Station}/rematch/{Track}/{Start.ToUnixTimeMilliseconds()}", Track, Start, End, Confidence, Speed, "closed");

    /// <summary>Marks a station's found plays against what is stored, with one paged read over their span.</summary>
    public static IEnumerable<RematchFinding> Compare(string station, List<RematchedPlay> plays, IPlayStore? store)
    {
        List<PlayRecord> stored = store is null || plays.Count == 0 ? [] : [.. store.QueryAll(station, plays.Min(p => p.Start), plays.Max(p => p.End))];
        return plays.Select(play => Compare(station, play, stored.Where(p => p.Start < play.End && p.End >= play.Start)));
    }

    private static RematchFinding Compare(string station, RematchedPlay play, IEnumerable<PlayRecord> overlapping)
    {
        var finding = new RematchFinding(station, play.Track, play.Start, play.End, play.Confidence, play.Speed, "new");
        var stored = overlapping.ToList();
        if (stored.Any(p => p.Track == play.Track))
        {
            return finding with { Stored = "already" };
        }

        var half = (play.End - play.Start) / 2;
        return stored.FirstOrDefault(p => Overlap(p, play) >= half) is { } other ? finding with { Stored = "conflict", With = other.Track } : finding;
    }

    private static TimeSpan Overlap(PlayRecord stored, RematchedPlay play) =>
        (stored.End < play.End ? stored.End : play.End) - (stored.Start > play.Start ? stored.Start : play.Start);
}
