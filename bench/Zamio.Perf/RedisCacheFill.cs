using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Zamio.Central.Caching;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Perf;

/// <summary>
/// Writes a synthetic catalogue straight into the Redis index cache in <see cref="CatalogCache"/>'s format (hash
/// <c>{prefix}:catalog:v{algorithm}</c>, field = track id, value = <see cref="CatalogCache.Encode"/>), sets the
/// <c>:complete</c> marker, then (unless <c>--snapshot 0</c>) builds the index over the same tracks and writes it as
/// the index snapshot through <see cref="IndexSnapshotStore"/>, the code central uses. A central started with
/// <c>Zamio__Redis__KeyPrefix={prefix}</c> warms from the snapshot, or with <c>Zamio__Redis__IndexSnapshots=false</c>
/// from the peaks.
/// </summary>
internal static class RedisCacheFill
{
    public static int Run(Options options)
    {
        var redis = options.String("redis") ?? "127.0.0.1:6379";
        var prefix = options.String("prefix") ?? "zamio-perf-warm";
        var hours = options.Double("hours", 1000);
        var trackSeconds = options.Double("track-seconds", 210);
        var peaksPerSecond = options.Double("peaks-per-second", 19);
        var seed = options.Int("seed", 1);
        var snapshot = options.Int("snapshot", 1) != 0;
        var chunkMiB = options.Int("chunk-mib", 4);
        options.EnsureAllUsed();

        var tracks = (int)Math.Ceiling(hours * 3600 / trackSeconds);
        var frames = FingerprintSettings.SecondsToFrame(trackSeconds);
        var hash = (RedisKey)$"{prefix}:catalog:v{FingerprintSettings.AlgorithmVersion}";
        var complete = (RedisKey)$"{prefix}:catalog:v{FingerprintSettings.AlgorithmVersion}:complete";
        using var mux = ConnectionMultiplexer.Connect(redis);
        var db = mux.GetDatabase();
        var snapshotKey = $"{prefix}:index:v{FingerprintSettings.AlgorithmVersion}:snapshot";
        if (SnapshotManifest.Parse(db.StringGet(snapshotKey)) is { } previous)
        {
            db.KeyDelete([.. Enumerable.Range(0, previous.ChunkCount).Select(n => (RedisKey)$"{snapshotKey}:{previous.Id}:{n}")]);
        }

        db.KeyDelete([hash, complete, snapshotKey, $"{prefix}:catalog:version"]);
        var sw = Stopwatch.StartNew();
        long bytes = 0;
        var all = new TrackPeaks[tracks];
        const int chunk = 256;
        for (var from = 0; from < tracks; from += chunk)
        {
            var count = Math.Min(chunk, tracks - from);
            var entries = new HashEntry[count];
            Parallel.For(0, count, j =>
            {
                var i = from + j;
                var rng = new Random(SyntheticPeaks.TrackSeed(seed, i));
                // Packed peaks must be in (frame, bin) order, as the extractor emits them and FillCatalog stores them.
                var sorted = SyntheticPeaks.Generate(rng, frames, peaksPerSecond).OrderBy(p => p.Frame).ThenBy(p => p.Bin16).ToArray();
                all[i] = TrackPeaks.FromPeaks(sorted, frames);
                entries[j] = new HashEntry(SyntheticPeaks.TrackId(i), CatalogCache.Encode(StoredPeaks.From(SyntheticPeaks.TrackId(i), FingerprintSettings.AlgorithmVersion, all[i])));
            });
            bytes += entries.Sum(e => ((byte[])e.Value!).Length);
            db.HashSet(hash, entries);
            if (from / chunk % 8 == 0)
            {
                Console.Error.Write($"\r{from + count}/{tracks} tracks");
            }
        }

        db.StringSet(complete, "1");
        Console.Error.WriteLine();
        Console.WriteLine($"redis {redis} prefix {prefix}: {tracks} tracks × {trackSeconds:F0} s = {tracks * trackSeconds / 3600:F0} h, {peaksPerSecond} peaks/s, {bytes / 1048576.0:F0} MiB of values, written in {sw.Elapsed.TotalSeconds:F1} s");
        if (snapshot)
        {
            WriteSnapshot(redis, prefix, all, chunkMiB);
        }

        return 0;
    }

    /// <summary>Builds the index as central does (tracks in id order) and writes it as catalogue version 0's snapshot.</summary>
    private static void WriteSnapshot(string redis, string prefix, TrackPeaks[] tracks, int chunkMiB)
    {
        var sw = Stopwatch.StartNew();
        var builder = new IndexBuilder();
        for (var i = 0; i < tracks.Length; i++)
        {
            builder.Add(SyntheticPeaks.TrackId(i), tracks[i]);
        }

        var index = builder.Build();
        var built = sw.Elapsed.TotalSeconds;
        var options = new RedisOptions { KeyPrefix = prefix, SnapshotChunkBytes = chunkMiB * 1024 * 1024 };
        using var connection = new RedisConnection(redis, options, NullLogger<RedisConnection>.Instance);
        var store = new IndexSnapshotStore(connection, Microsoft.Extensions.Options.Options.Create(options), NullLogger<IndexSnapshotStore>.Instance);
        sw.Restart();
        var result = store.TryWriteAsync(index, 0, CancellationToken.None).GetAwaiter().GetResult();
        var manifest = store.ManifestAsync().GetAwaiter().GetResult();
        Console.WriteLine($"index snapshot: {result}, {index.PostingCount:N0} postings, {(manifest?.TotalBytes ?? 0) / 1048576.0:F0} MiB in {manifest?.ChunkCount ?? 0} chunks of {chunkMiB} MiB; index built in {built:F1} s, written in {sw.Elapsed.TotalSeconds:F1} s");
    }
}
