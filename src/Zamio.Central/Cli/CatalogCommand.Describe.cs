using Zamio.Central.Catalog;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>catalog describe CSV...</c>: new titles, artists and ISRCs for tracks already catalogued, from the same CSV
/// files <c>catalog add</c> reads, without their audio. An empty field keeps what is stored. All or nothing: an id
/// not in the catalogue is an error and changes nothing. Prints the tracks whose description changed.
/// </summary>
public static partial class CatalogCommand
{
    private static Dictionary<string, TrackMetadata> ReadDescriptions(CliArguments cli)
    {
        if (cli.Positional.Count == 0)
        {
            throw new CliUsageException("catalog describe needs a CSV file with an id column and any of title, artist, isrc");
        }

        var descriptions = MergeSidecars(cli.Positional);
        return descriptions.Count > 0 ? descriptions : throw new CliUsageException($"no tracks listed in {string.Join(", ", cli.Positional)}");
    }

    // Sidecars merge column by column: a later file's non-empty field wins.
    private static Dictionary<string, TrackMetadata> MergeSidecars(IEnumerable<string> paths)
    {
        var metadata = new Dictionary<string, TrackMetadata>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            foreach (var (id, meta) in MetadataCsv.Read(path))
            {
                metadata[id] = meta.Over(metadata.GetValueOrDefault(id) ?? TrackMetadata.None);
            }
        }

        return metadata;
    }

    private static int Describe(Dictionary<string, TrackMetadata> descriptions, ICatalogTarget catalog)
    {
        var stored = catalog.List().ToDictionary(t => t.Id, StringComparer.Ordinal);
        var unknown = descriptions.Keys.Where(id => !stored.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new CliUsageException($"not in the catalogue (nothing changed): {string.Join(", ", unknown)}");
        }

        var changed = new List<CatalogTrack>();
        foreach (var (id, given) in descriptions.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var track = stored[id];
            var meta = given.Over(track.Metadata);
            if (meta != track.Metadata)
            {
                changed.Add(track with { Title = meta.Title, Artist = meta.Artist, Isrc = meta.Isrc });
            }
        }

        if (changed.Count > 0 && catalog.Describe(changed.ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal)) is { Count: > 0 } gone)
        {
            // Removed by someone else between the read and the write.
            throw new CliUsageException($"not in the catalogue (nothing changed): {string.Join(", ", gone)}");
        }

        foreach (var track in changed)
        {
            Write(track);
        }

        Console.Error.WriteLine($"described {changed.Count} track(s); {descriptions.Count - changed.Count} already so");
        return 0;
    }
}
