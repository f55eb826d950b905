using System.Diagnostics;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Cli;

internal static class CatalogLoader
{
    public static FingerprintIndex Load(string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "catalog.db")))
        {
            throw new CliUsageException($"no catalogue in {Path.GetFullPath(dataDirectory)} (run 'catalog add' first, or pass --data-dir)");
        }

        var clock = Stopwatch.StartNew();
        using var store = SqliteCatalogStore.Open(dataDirectory);
        return Checked(store.LoadIndex(out var stale), stale, clock);
    }

    /// <summary>The catalogue of a shared deployment, from its stored peaks.</summary>
    public static FingerprintIndex Load(SharedDeployment shared)
    {
        var clock = Stopwatch.StartNew();
        var stored = shared.Services.GetRequiredService<ICatalogStore>().LoadPeaksAsync(null, CancellationToken.None).GetAwaiter().GetResult();
        return Checked(StoredIndex.Build(stored, out var stale), stale, clock);
    }

    private static FingerprintIndex Checked(FingerprintIndex index, int stale, Stopwatch clock)
    {
        if (stale > 0)
        {
            Console.Error.WriteLine($"warning: {stale} track(s) were fingerprinted with another algorithm version; re-add them");
        }

        if (index.Tracks.Count == 0)
        {
            throw new CliUsageException("the catalogue is empty (run 'catalog add' first)");
        }

        Console.Error.WriteLine(
            $"index: {index.Tracks.Count} tracks, {index.TotalSeconds / 3600:F1} h, {index.MemoryBytes / 1e6:F1} MB, loaded in {clock.ElapsedMilliseconds} ms");
        return index;
    }
}
