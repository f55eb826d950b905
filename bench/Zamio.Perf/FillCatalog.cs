using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Perf;

/// <summary>
/// Pads an existing catalogue store with synthetic-peak tracks up to <c>--tracks</c>, so the real CLI can be
/// timed end to end (`scan`, `identify`) against a catalogue of realistic size while its real tracks stay the
/// ones the recording contains.
/// </summary>
internal static class FillCatalog
{
    public static int Run(Options options)
    {
        var dataDir = options.String("data-dir") ?? throw new ArgumentException("--data-dir is required");
        var target = options.Int("tracks", 1000);
        var trackSeconds = options.Double("track-seconds", 210);
        var peaksPerSecond = options.Double("peaks-per-second", 19);
        var seed = options.Int("seed", 1);
        var postgres = options.String("postgres");
        options.EnsureAllUsed();

        using var store = SqliteCatalogStore.Open(dataDir);
        var existing = store.List().Count;
        var missing = Math.Max(0, target - existing);
        var frames = FingerprintSettings.SecondsToFrame(trackSeconds);
        var peaks = SyntheticPeaks.Catalogue(missing, frames, peaksPerSecond, seed);
        for (var i = 0; i < missing; i++)
        {
            var track = new CatalogTrack($"syn-{i:D5}", null, null, null, trackSeconds, FingerprintSettings.AlgorithmVersion, DateTimeOffset.UtcNow);
            // Catalogue blobs keep peaks in (frame, bin) order, as the extractor emits them.
            var sorted = peaks[i].ToPeaks().OrderBy(p => p.Frame).ThenBy(p => p.Bin16).ToArray();
            store.Upsert(track, TrackPeaks.FromPeaks(sorted, peaks[i].FrameCount));
        }

        Console.Error.WriteLine($"catalogue in {dataDir}: {existing} existing + {missing} synthetic = {existing + missing} tracks");
        if (postgres is not null)
        {
            CopyToPostgres(store, postgres);
        }

        return 0;
    }

    // A shared deployment's instances read the catalogue from PostgreSQL; the same tracks as the embedded store.
    private static void CopyToPostgres(SqliteCatalogStore store, string connectionString)
    {
        using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        PostgresMigrations.ApplyAsync(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult();
        var target = new PostgresCatalogStore(dataSource);
        var peaks = store.LoadPeaks().ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var track in store.List())
        {
            target.UpsertAsync(track, peaks[track.Id].ToTrackPeaks(), CancellationToken.None).GetAwaiter().GetResult();
        }

        Console.Error.WriteLine($"copied {peaks.Count} tracks to PostgreSQL");
    }
}
