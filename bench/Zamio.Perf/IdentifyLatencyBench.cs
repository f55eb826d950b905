using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Zamio.Perf;

/// <summary>
/// Sequential <c>POST /api/v1/identify</c> of prepared clips (multipart, as the README's curl example) against a
/// running central; latency is the client-side round trip, so upload, decoding, fingerprinting and matching are in it.
/// </summary>
internal static class IdentifyLatencyBench
{
    public static int Run(Options options) => RunAsync(options).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(Options options)
    {
        var central = (options.String("central") ?? "http://127.0.0.1:8090").TrimEnd('/');
        var clipsDir = options.String("clips") ?? throw new ArgumentException("--clips DIR is required");
        var requests = options.Int("requests", 200);
        var warmup = options.Int("warmup", 20);
        options.EnsureAllUsed();

        var clips = Directory.GetFiles(clipsDir).Where(f => f.EndsWith(".wav", StringComparison.Ordinal) || f.EndsWith(".mp3", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(f => (Path: f, Name: Path.GetFileName(f), Bytes: File.ReadAllBytes(f))).ToArray();
        if (clips.Length == 0)
        {
            throw new ArgumentException($"no .wav or .mp3 clips in {clipsDir}");
        }

        using var http = new HttpClient { BaseAddress = new Uri(central), Timeout = TimeSpan.FromSeconds(60) };
        var results = new List<(string Format, double Ms, string? Track, string Name)>();
        for (var i = 0; i < warmup + requests; i++)
        {
            var clip = clips[i % clips.Length];
            using var content = new MultipartFormDataContent();
            using var file = new ByteArrayContent(clip.Bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(clip.Name.EndsWith(".mp3", StringComparison.Ordinal) ? "audio/mpeg" : "audio/wav");
            content.Add(file, "file", clip.Name);
            var sw = Stopwatch.StartNew();
            using var response = await http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), content);
            var body = await response.Content.ReadAsStringAsync();
            var ms = sw.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"identify {clip.Name}: HTTP {(int)response.StatusCode} {body}");
            }

            if (i < warmup)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(body);
            var track = doc.RootElement.GetProperty("track").GetString();
            results.Add((Path.GetExtension(clip.Name).TrimStart('.'), ms, track, clip.Name));
        }

        Console.WriteLine($"### identify-latency: {requests} sequential requests after {warmup} warm-up, {clips.Length} distinct 15 s clips, {central}");
        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, load average at start {Machine.StartLoad}, at end {Machine.LoadAverage()}.");
        Console.WriteLine();
        Console.WriteLine("| clips | requests | identified | p50 ms | p95 ms | p99 ms | max ms | mean ms | mean clip KB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in new[] { "all" }.Concat(results.Select(r => r.Format).Distinct().Order(StringComparer.Ordinal)))
        {
            var rows = results.Where(r => group == "all" || r.Format == group).ToList();
            var ms = rows.Select(r => r.Ms).Order().ToList();
            var kb = clips.Where(c => group == "all" || c.Name.EndsWith("." + group, StringComparison.Ordinal)).Average(c => c.Bytes.Length / 1024.0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {group} | {rows.Count} | {rows.Count(r => r.Track is not null)} | {ProcStat.Percentile(ms, 50):F1} | {ProcStat.Percentile(ms, 95):F1} | {ProcStat.Percentile(ms, 99):F1} | {ms[^1]:F1} | {ms.Average():F1} | {kb:F0} |"));
        }

        Console.WriteLine();
        return 0;
    }
}
