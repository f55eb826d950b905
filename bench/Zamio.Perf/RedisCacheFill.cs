using System.Diagnostics;
using StackExchange.Redis;
using Zamio.Central.Caching;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Perf;

/// <summary>
/// Writes a synthetic catalogue straight into the Redis index cache in <see cref="CatalogCache"/>'s format (hash
/// <c>{prefix}:catalog:v{algorithm}</c>, field = track id, value = <see cref="CatalogCache.Encode"/>), then sets the
/// <c>:complete</c> marker, so a central started with <c>Zamio__Redis__KeyPrefix={prefix}</c> warms from it.
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
        options.EnsureAllUsed();

        var tracks = (int)Math.Ceiling(hours * 3600 / trackSeconds);
        var frames = FingerprintSettings.SecondsToFrame(trackSeconds);
        var hash = (RedisKey)$"{prefix}:catalog:v{FingerprintSettings.AlgorithmVersion}";
        var complete = (RedisKey)$"{prefix}:catalog:v{FingerprintSettings.AlgorithmVersion}:complete";
        using var mux = ConnectionMultiplexer.Connect(redis);
        var db = mux.GetDatabase();
        db.KeyDelete([hash, complete]);
        var sw = Stopwatch.StartNew();
        long bytes = 0;
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
                var peaks = TrackPeaks.FromPeaks(sorted, frames);
                entries[j] = new HashEntry(SyntheticPeaks.TrackId(i), CatalogCache.Encode(StoredPeaks.From(SyntheticPeaks.TrackId(i), FingerprintSettings.AlgorithmVersion, peaks)));
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
        return 0;
    }
}
