using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Zamio.Central.Caching;
using Zamio.Shared.Indexing;

namespace Zamio.Perf;

/// <summary>
/// In-process split of a warm start (after <c>fill-redis-cache</c>): the index snapshot loaded with
/// <see cref="IndexSnapshotStore.TryLoadAsync"/>, against the cached peaks read with <see cref="CatalogCache"/> and
/// built with <see cref="IndexBuilder"/> (the path without snapshots). Wall and process CPU time per phase.
/// </summary>
internal static class SnapshotLoadBench
{
    public static int Run(Options options)
    {
        var redis = options.String("redis") ?? "127.0.0.1:6379";
        var prefix = options.String("prefix") ?? "zamio-perf-warm";
        var runs = options.Int("runs", 2);
        options.EnsureAllUsed();

        var settings = new RedisOptions { KeyPrefix = prefix };
        using var connection = new RedisConnection(redis, settings, NullLogger<RedisConnection>.Instance);
        var snapshots = new IndexSnapshotStore(connection, Microsoft.Extensions.Options.Options.Create(settings), NullLogger<IndexSnapshotStore>.Instance);
        var cache = new CatalogCache(connection);
        Console.WriteLine($"| run | path | phase | wall s | CPU s | load avg |");
        Console.WriteLine("|---:|---|---|---:|---:|---:|");
        for (var run = 1; run <= runs; run++)
        {
            var manifest = snapshots.ManifestAsync().GetAwaiter().GetResult() ?? throw new ArgumentException($"no index snapshot under prefix {prefix}");
            var chunks = Time(run, "snapshot", $"chunk GETs only ({manifest.ChunkCount} × {manifest.ChunkBytes >> 20} MiB)", () => Task.WhenAll(Enumerable.Range(0, manifest.ChunkCount)
                .Select(n => connection.BulkDatabase.StringGetAsync(snapshots.ChunkKey(manifest.Id, n)))).GetAwaiter().GetResult().Select(v => (ReadOnlyMemory<byte>)v).ToList());
            Time(run, "snapshot", "XXH3 of the chunks only", () => chunks.Sum(c => (double)SnapshotManifest.Hash(c.Span)));
            Time(run, "snapshot", "decode only (chunks in memory)", () => IndexSnapshot.Read(new ChunkReadStream(chunks), out _).PostingCount);
            chunks = null;
            Time(run, "snapshot", "fetch + check + decode", () => snapshots.TryLoadAsync(0, CancellationToken.None).GetAwaiter().GetResult()?.PostingCount);
            var peaks = Time(run, "peaks", "HSCAN + decode", () => cache.TryLoadAllAsync(CancellationToken.None).GetAwaiter().GetResult()!.Peaks
                .Select(p => (p.Id, Peaks: p.ToTrackPeaks())).OrderBy(p => p.Id, StringComparer.Ordinal).ToList());
            Time(run, "peaks", "IndexBuilder", () =>
            {
                var builder = new IndexBuilder();
                peaks.ForEach(p => builder.Add(p.Id, p.Peaks));
                return builder.Build().PostingCount;
            });
        }

        return 0;
    }

    private static T Time<T>(int run, string path, string phase, Func<T> action)
    {
        Machine.SettledHeap();
        var load = Machine.LoadAverage();
        var cpu = Machine.ProcessCpu();
        var wall = Stopwatch.StartNew();
        var result = action();
        var used = Machine.ProcessCpu() - cpu;
        Console.WriteLine($"| {run} | {path} | {phase} | {wall.Elapsed.TotalSeconds:F1} | {used.TotalSeconds:F1} | {load} |");
        return result;
    }
}
