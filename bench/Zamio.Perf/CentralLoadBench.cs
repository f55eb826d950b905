using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Net.Sockets;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Perf;

/// <summary>
/// Simulated stations publishing real fingerprint packets (peaks of the benchmark programmes) through an MQTT broker
/// to a running central in external-broker mode, at real-time pace. Measures packets published vs processed,
/// central, broker and own CPU, central RSS, and the delay from a song's start on air to its first appearance in
/// <c>GET /api/v1/plays</c>.
/// </summary>
internal static class CentralLoadBench
{
    // Audio per packet, as the agent's --packet-seconds (default 1, the agent's); one process runs one bench, so it is set once.
    private static double PacketSeconds { get; set; } = FingerprintPacket.DefaultSeconds;

    private static double FramesPerPacket => PacketSeconds * FingerprintSettings.FramesPerSecond;
    private const double MicrosPerFrame = 1_000_000.0 / FingerprintSettings.FramesPerSecond;     // 32,000

    public static int Run(Options options) => RunAsync(options).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(Options options)
    {
        var stations = options.Int("stations", 100);
        var broker = options.String("broker") ?? "127.0.0.1:1883";
        var seconds = options.Double("seconds", 90);
        var pace = options.String("pace") ?? "realtime";
        // Several instances sharing the stations: plays are read from the first (they share one database), ingest
        // counters, CPU and memory are summed over all.
        var centrals = (options.String("central") ?? "http://127.0.0.1:8090").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(c => c.TrimEnd('/')).ToArray();
        var central = centrals[0];
        var centralPids = (options.String("central-pid") ?? "0").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var brokerPid = options.Int("broker-pid", 0);
        var connections = options.Int("connections", stations);
        var programmesDir = options.String("programmes") ?? "bench-data/main/programmes";
        var catalogDir = options.String("catalog-dir") ?? "bench-data/main/catalog";
        var cacheDir = options.String("cache-dir") ?? Path.Combine(Path.GetTempPath(), "zamio-perf-programme-peaks");
        var pollMs = options.Int("poll-ms", 500);
        var prefix = options.String("prefix") ?? $"ld{DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000}";
        var registerIn = options.String("data-dir");
        var registerInPostgres = options.String("postgres");
        var measureAfter = options.Double("measure-after", 0);
        PacketSeconds = options.Double("packet-seconds", FingerprintPacket.DefaultSeconds);
        var delaysOut = options.String("delays-out");
        var spread = options.String("join") switch
        {
            null => false,
            "spread" => true,
            var other => throw new ArgumentException($"--join: 'spread' or nothing (got '{other}')"),
        };
        options.EnsureAllUsed();
        if (pace != "realtime")
        {
            throw new ArgumentException("--pace: only 'realtime' is implemented");
        }

        connections = Math.Clamp(connections, 1, stations);
        var (host, port) = ParseBroker(broker);

        var setup = Stopwatch.StartNew();
        var programmes = LoadProgrammes(programmesDir, catalogDir, cacheDir);
        var plan = Plan(programmes, stations, seconds, prefix, spread);
        Console.Error.WriteLine($"planned {stations} stations over {programmes.Count} programmes in {setup.Elapsed.TotalSeconds:F1} s; {plan.Sum(s => s.Packets.Length)} packets");
        if (registerIn is not null)
        {
            // Central refuses packets from stations it does not know; register them in its embedded store.
            var store = new Zamio.Central.Stations.StationStore(Zamio.Central.Hosting.CentralDatabase.Open(registerIn), TimeProvider.System);
            foreach (var station in plan)
            {
                store.Add(station.Id);
            }

            Console.Error.WriteLine($"registered {plan.Count} stations in {registerIn}");
        }

        if (registerInPostgres is not null)
        {
            // A shared deployment: every instance reads its stations from PostgreSQL.
            using var dataSource = Npgsql.NpgsqlDataSource.Create(registerInPostgres);
            var store = new Zamio.Central.Stations.StationStore(new Zamio.Central.Storage.PostgresStationStore(dataSource), TimeProvider.System);
            foreach (var station in plan)
            {
                store.Add(station.Id);
            }

            Console.Error.WriteLine($"registered {plan.Count} stations in PostgreSQL");
        }

        // Connect the publishers one after another, so the broker is not hit by thousands of CONNECTs at once.
        var clients = new StationConnection[connections];
        for (var c = 0; c < connections; c++)
        {
            clients[c] = StationConnection.Connect(host, port, $"{prefix}-pub-{c}", TimeSpan.FromSeconds(30));
        }

        Console.Error.WriteLine($"connected {connections} MQTT client(s) in {setup.Elapsed.TotalSeconds:F1} s total setup");
        var instances = centrals.Select(c => new HttpClient { BaseAddress = new Uri(c), Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        // With an admin key set, central's reads need it (central-load.sh sets one so it can ask for a rematch).
        if (Environment.GetEnvironmentVariable("ZAMIO_ADMIN_KEY") is { Length: > 0 } adminKey)
        {
            foreach (var instance in instances)
            {
                instance.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminKey);
            }
        }

        var http = instances[0];
        var metricsBefore = await ReadIngestCountersAsync(instances);

        // Schedule: station i's audio starts at t0 + i/N × 2 s; its packet k is published when it is complete.
        var wall = Stopwatch.StartNew();
        var t0Offset = 2.0;
        var t0Utc = DateTimeOffset.UtcNow.AddSeconds(t0Offset);
        for (var i = 0; i < plan.Count; i++)
        {
            plan[i].Phase = i * PacketSeconds / stations;
        }

        long published = 0;
        // Sent counts a publish at once; published only once its acknowledgement is read, up to a second later.
        long sent = 0;
        long failed = 0;
        long noSubscribers = 0;
        var lateMs = new List<double>();
        var firstSeen = new ConcurrentDictionary<string, (double Wall, string Status, DateTimeOffset Start, string Station, string Track, bool Live, double PollWall)>(StringComparer.Ordinal);
        // A play is shown when the live feed or a poll first has it, whichever comes first: the feed gives the moment
        // it was stored, a poll only an upper bound up to --poll-ms late; the poll stays for plays the feed could miss.
        // PollWall keeps the first poll's time apart, so the same run also gives the delays polls alone would report.
        void Seen(string id, (double Wall, string Status, DateTimeOffset Start, string Station, string Track, bool Live, double PollWall) seen) =>
            firstSeen.AddOrUpdate(id, seen, (_, old) => (seen.Wall < old.Wall ? seen : old) with { PollWall = Math.Min(seen.PollWall, old.PollWall) });
        var samples = new List<Sample>();
        using var stop = new CancellationTokenSource();
        var pollErrors = 0;
        var truncatedPolls = 0;
        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = wall.Elapsed.TotalSeconds;
                // Plays overlapping the last minute of air: every play still ongoing or just shown. Polling from the
                // run's start instead outgrew one page (10,000 plays) a few minutes into a long run, and the newer
                // plays were never seen.
                var from = t0Utc.AddSeconds(Math.Max(0, started - 60) - 60).UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
                try
                {
                    using var response = await http.GetAsync(new Uri($"/api/v1/plays?from={Uri.EscapeDataString(from)}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, stop.Token);
                    response.EnsureSuccessStatusCode();
                    if (response.Headers.Contains("Link"))
                    {
                        Interlocked.Increment(ref truncatedPolls);
                    }

                    await using var body = await response.Content.ReadAsStreamAsync(stop.Token);
                    using var doc = await JsonDocument.ParseAsync(body, cancellationToken: stop.Token);
                    var seenAt = wall.Elapsed.TotalSeconds;
                    foreach (var p in doc.RootElement.EnumerateArray())
                    {
                        var station = p.GetProperty("station").GetString()!;
                        if (!station.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        Seen(p.GetProperty("id").GetString()!, (seenAt, p.GetProperty("status").GetString()!, p.GetProperty("start").GetDateTimeOffset(), station, p.GetProperty("track").GetString()!, false, seenAt));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
                {
                    pollErrors++;
                }

                var wait = pollMs - ((wall.Elapsed.TotalSeconds - started) * 1000);
                if (wait > 0)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(wait), stop.Token);
                    }
                    catch (TaskCanceledException)
                    {
                    }
                }
            }
        });
        var feedErrors = 0;
        using var live = new HttpClient { BaseAddress = new Uri(central), Timeout = Timeout.InfiniteTimeSpan };
        live.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
        var listener = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await live.GetAsync(new Uri("/api/v1/plays/live", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, stop.Token);
                    response.EnsureSuccessStatusCode();
                    using var events = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
                    while (await events.ReadLineAsync(stop.Token) is { } line)
                    {
                        if (!line.StartsWith("data: ", StringComparison.Ordinal))
                        {
                            continue;
                        }

                        var seenAt = wall.Elapsed.TotalSeconds;
                        using var doc = JsonDocument.Parse(line.AsMemory(6));
                        var p = doc.RootElement;
                        if (p.TryGetProperty("station", out var station) && station.GetString()!.StartsWith(prefix, StringComparison.Ordinal))
                        {
                            Seen(p.GetProperty("id").GetString()!, (seenAt, p.GetProperty("status").GetString()!, p.GetProperty("start").GetDateTimeOffset(), station.GetString()!, p.GetProperty("track").GetString()!, true, double.PositiveInfinity));
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException && !stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref feedErrors);
                    await Task.WhenAny(Task.Delay(200, stop.Token)); // again shortly, without spinning on a central that is away
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }
        });
        var sampler = Task.Run(async () =>
        {
            var self = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                self.Refresh();
                var counters = await ReadIngestCountersAsync(instances);
                lock (samples)
                {
                    samples.Add(new Sample(
                        wall.Elapsed.TotalSeconds,
                        Interlocked.Read(ref sent),
                        counters,
                        centralPids.Sum(ProcStat.CpuSeconds),
                        centralPids.Sum(ProcStat.RssBytes),
                        ProcStat.CpuSeconds(brokerPid),
                        self.TotalProcessorTime.TotalSeconds,
                        ProcStat.CpuSecondsOf("postgres"),
                        ProcStat.CpuSecondsOf("redis-server")));
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stop.Token);
                }
                catch (TaskCanceledException)
                {
                }
            }
        });

        // One thread publishes for every station, reading each connection's acknowledgements before its next publish.
        var publisher = Task.Factory.StartNew(() =>
        {
            var packetsPerStation = plan[0].Packets.Length;
            for (var k = 0; k < packetsPerStation; k++)
            {
                for (var i = 0; i < plan.Count; i++)
                {
                    var s = plan[i];
                    var due = t0Offset + s.Phase + ((k + 1) * PacketSeconds);
                    var ahead = due - wall.Elapsed.TotalSeconds;
                    if (ahead > 0.002)
                    {
                        Thread.Sleep(TimeSpan.FromSeconds(ahead));
                    }

                    var late = (wall.Elapsed.TotalSeconds - due) * 1000;
                    if (k >= 2)
                    {
                        lateMs.Add(late);
                    }

                    var client = clients[i % connections];
                    Settle(client);
                    if (!client.IsOpen)
                    {
                        Interlocked.Increment(ref failed);
                        continue;
                    }

                    try
                    {
                        client.Publish(s.TopicBytes, s.Encode(k, t0Utc));
                        Interlocked.Increment(ref sent);
                    }
                    catch (SocketException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            }
        }, TaskCreationOptions.LongRunning);
        await publisher;

        var publishEnd = wall.Elapsed.TotalSeconds;
        var endCounters = await ReadIngestCountersAsync(instances);
        var backlogAtEnd = Interlocked.Read(ref sent) - (endCounters.Processed - metricsBefore.Processed);
        // Drain: wait until central has processed everything published (or 30 s).
        var drainStarted = wall.Elapsed.TotalSeconds;
        var drained = endCounters;
        while (wall.Elapsed.TotalSeconds - drainStarted < 30)
        {
            drained = await ReadIngestCountersAsync(instances);
            foreach (var client in clients)
            {
                Settle(client);
            }

            if (clients.All(c => c.Unacknowledged == 0) && drained.Processed - metricsBefore.Processed >= Interlocked.Read(ref sent))
            {
                break;
            }

            await Task.Delay(250);
        }

        var drainSeconds = wall.Elapsed.TotalSeconds - drainStarted;
        await Task.Delay(Math.Max(pollMs * 2, 1000));
        await stop.CancelAsync();
        await Task.WhenAll(poller, sampler, listener);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        // Latency: each measured song start (truth) against the first time the feed or a poll showed a play of that track on that station.
        var delays = new List<(double Seconds, bool Masked, double Polled, string Condition)>();
        var perSong = delaysOut is null ? null : new List<string> { "station\tprogramme\tstart\ttrack\tkind\tdelay\tair_s\tnearest\tpoll_delay" };
        var missed = 0;
        var seenStatuses = new Dictionary<string, int>(StringComparer.Ordinal);
        var byStation = firstSeen.Values.GroupBy(v => v.Station).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var s in plan)
        {
            // Songs that start while every stream is still in its first windows measure the start-up burst, not steady state.
            foreach (var song in s.Songs.Where(song => s.Phase + song.AirSeconds >= measureAfter))
            {
                var airWall = t0Offset + s.Phase + song.AirSeconds;
                var airUtc = t0Utc.AddSeconds(s.Phase + song.AirSeconds);
                var match = byStation.TryGetValue(s.Id, out var list)
                    ? list.Where(p => p.Track == song.Track && Math.Abs((p.Start - airUtc).TotalSeconds) < 30).OrderBy(p => p.Wall).FirstOrDefault()
                    : default;
                // The song's start in seconds of the run: a song missed near the run's end may only be slow to name.
                var row = string.Create(CultureInfo.InvariantCulture, $"{s.Id}\t{song.Programme}\t{song.ProgrammeSeconds:F3}\t{song.Track}\t{(song.Masked ? "masked" : "clear")}");
                var air = string.Create(CultureInfo.InvariantCulture, $"{s.Phase + song.AirSeconds:F1}");
                if (match.Track is null)
                {
                    missed++;
                    // The station's play of that track whose start lies nearest: none, or one placed too far off to pair.
                    var nearest = list?.Where(p => p.Track == song.Track).OrderBy(p => Math.Abs((p.Start - airUtc).TotalSeconds)).FirstOrDefault() ?? default;
                    var near = nearest.Track is null ? "none" : string.Create(CultureInfo.InvariantCulture, $"{(nearest.Start - airUtc).TotalSeconds:+0.0;-0.0} s {nearest.Status}");
                    perSong?.Add($"{row}\tmissed\t{air}\t{near}\t");
                    continue;
                }

                delays.Add((match.Wall - airWall, song.Masked, match.PollWall - airWall, song.Condition));
                perSong?.Add(string.Create(CultureInfo.InvariantCulture, $"{row}\t{match.Wall - airWall:F2}\t{air}\t\t{match.PollWall - airWall:F2}"));
                seenStatuses[match.Status] = seenStatuses.GetValueOrDefault(match.Status) + 1;
            }
        }

        if (delaysOut is not null)
        {
            File.WriteAllLines(delaysOut, perSong!);
        }

        lateMs.Sort();
        var total = plan.Sum(s => (long)s.Packets.Length);
        var steady = samples.Where(x => x.Wall >= t0Offset + 10 && x.Wall <= publishEnd + 0.5).ToList();
        double Rate(Func<Sample, double> cpu) => steady.Count < 2 ? double.NaN
            : (cpu(steady[^1]) - cpu(steady[0])) / (steady[^1].Wall - steady[0].Wall) * 100;
        var maxBacklog = samples.Where(x => x.Wall <= publishEnd + 0.5).Select(x => x.Sent - (x.Counters.Processed - metricsBefore.Processed)).DefaultIfEmpty(0).Max();
        var peakRss = samples.Select(x => x.CentralRss).DefaultIfEmpty(0).Max();
        var accepted = drained.Accepted - metricsBefore.Accepted;
        var dropped = drained.Dropped - metricsBefore.Dropped;
        var rejected = drained.Rejected - metricsBefore.Rejected;
        var duplicates = drained.Duplicates - metricsBefore.Duplicates;
        var timed = plan.SelectMany(s => s.Songs.Where(song => s.Phase + song.AirSeconds >= measureAfter)).ToList();

        Console.WriteLine($"### central-load: {stations} stations, {connections} MQTT connection(s), {seconds:F0} s, {PacketSeconds:0.##} s packets, QoS 1, pace {pace}");
        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, {Machine.CpuModel()}, load average at start {Machine.StartLoad}, at end {Machine.LoadAverage()}; broker {broker}; central {string.Join(", ", centrals)}.");
        Console.WriteLine();
        Console.WriteLine("| stations | conns | packets/s offered | scheduled | published (PUBACK) | failed | accepted | dropped | rejected | dup | backlog max / at end | drain s | publisher late p50 / p99 ms |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stations} | {connections} | {stations / PacketSeconds:F0} | {total} | {published} | {failed} | {accepted} | {dropped} | {rejected} | {duplicates} | {maxBacklog} / {backlogAtEnd} | {drainSeconds:F1} | {ProcStat.Percentile(lateMs, 50):F0} / {ProcStat.Percentile(lateMs, 99):F0} |"));
        Console.WriteLine();
        Console.WriteLine("| central CPU % | central RSS peak MiB | mosquitto CPU % | load generator CPU % | postgres CPU % | redis CPU % | (100 % = one core; 2 cores total) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {Rate(x => x.CentralCpu):F0} | {peakRss / 1048576.0:F0} | {Rate(x => x.BrokerCpu):F0} | {Rate(x => x.SelfCpu):F0} | {Rate(x => x.PostgresCpu):F0} | {Rate(x => x.RedisCpu):F0} | steady window {(steady.Count > 1 ? steady[^1].Wall - steady[0].Wall : 0):F0} s |"));
        Console.WriteLine();
        Console.WriteLine("| song starts | measured | seen | delay p50 s | p95 s | max s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        DelayRow("all", timed.Count, delays.Select(d => d.Seconds));
        DelayRow("clear (nothing else sounding in the first 5 s)", timed.Count(x => !x.Masked), delays.Where(d => !d.Masked).Select(d => d.Seconds));
        DelayRow("masked (presenter, jingle or crossfade)", timed.Count(x => x.Masked), delays.Where(d => d.Masked).Select(d => d.Seconds));
        // The same plays as the polls alone saw them (an upper bound, up to --poll-ms late): the measure of earlier sessions.
        DelayRow($"clear, by polls every {pollMs} ms alone", timed.Count(x => !x.Masked), delays.Where(d => !d.Masked && double.IsFinite(d.Polled)).Select(d => d.Polled));
        DelayRow($"all, by polls every {pollMs} ms alone", timed.Count, delays.Where(d => double.IsFinite(d.Polled)).Select(d => d.Polled));
        Console.WriteLine();
        ClearStartsByCondition(timed, delays);
        Console.WriteLine($"Missed (not seen before the run ended): {missed}; first seen as: {string.Join(", ", seenStatuses.Select(kv => $"{kv.Key} {kv.Value}"))}.");
        Console.WriteLine();
        Console.Error.WriteLine($"plays seen for this run: {firstSeen.Count} (first by the live feed: {firstSeen.Values.Count(v => v.Live)}); poll errors: {pollErrors}; polls with more than a page: {truncatedPolls}; feed errors: {feedErrors}; no-subscriber acks: {noSubscribers}");
        Console.Error.WriteLine("timeline (s, sent, processed, backlog, central cpu s, central rss MiB):");
        foreach (var x in samples)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {x.Wall,6:F1} {x.Sent,8} {x.Counters.Processed - metricsBefore.Processed,8} {x.Sent - (x.Counters.Processed - metricsBefore.Processed),7} {x.CentralCpu,8:F1} {x.CentralRss >> 20,6}"));
        }

        foreach (var instance in instances)
        {
            instance.Dispose();
        }

        return 0;

        // Counts what the broker has acknowledged on a connection; publishes left unacknowledged by a closed one failed.
        void Settle(StationConnection client)
        {
            var waiting = client.Unacknowledged;
            var acknowledged = client.ReadAcknowledgements(out var none, out var refused);
            Interlocked.Add(ref published, acknowledged);
            Interlocked.Add(ref noSubscribers, none);
            Interlocked.Add(ref failed, client.IsOpen ? refused : waiting - acknowledged);
        }
    }

    private static (string Host, int Port) ParseBroker(string broker)
    {
        var colon = broker.LastIndexOf(':');
        return colon < 0 ? (broker, 1883) : (broker[..colon], int.Parse(broker[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private static async Task<IngestCounters> ReadIngestCountersAsync(HttpClient[] instances)
    {
        var sum = new IngestCounters(0, 0, 0, 0);
        foreach (var instance in instances)
        {
            var counters = await ReadIngestCountersAsync(instance);
            sum = new IngestCounters(sum.Accepted + counters.Accepted, sum.Dropped + counters.Dropped,
                sum.Rejected + counters.Rejected, sum.Duplicates + counters.Duplicates);
        }

        return sum;
    }

    internal static async Task<IngestCounters> ReadIngestCountersAsync(HttpClient http)
    {
        long accepted = 0, dropped = 0, rejected = 0, duplicates = 0;
        try
        {
            var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("zamio_ingest_packets_total{", StringComparison.Ordinal))
                {
                    continue;
                }

                var value = (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                if (line.Contains("result=\"accepted\"", StringComparison.Ordinal))
                {
                    accepted += value;
                }
                else if (line.Contains("result=\"dropped\"", StringComparison.Ordinal))
                {
                    dropped += value;
                }
                else if (line.Contains("result=\"rejected\"", StringComparison.Ordinal))
                {
                    rejected += value;
                }
                else if (line.Contains("result=\"duplicate\"", StringComparison.Ordinal))
                {
                    duplicates += value;
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"metrics unavailable: {ex.Message}");
        }

        return new IngestCounters(accepted, dropped, rejected, duplicates);
    }

    // Several programme folders (comma-separated) put more song starts under the p95; their programmes are then named
    // after their set (the folder's parent), as each set has its own p01-clean.
    private static List<Programme> LoadProgrammes(string programmesDirs, string catalogDirs, string cacheDir)
    {
        static string[] List(string dirs) => dirs.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var known = List(catalogDirs).SelectMany(Directory.EnumerateFiles).Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        Directory.CreateDirectory(cacheDir);
        var dirs = List(programmesDirs);
        var files = dirs.SelectMany(d => Directory.GetFiles(d, "*.wav").Order(StringComparer.Ordinal)).ToArray();
        var result = new Programme[files.Length];
        Parallel.For(0, files.Length, i =>
        {
            var name = dirs.Length == 1
                ? Path.GetFileNameWithoutExtension(files[i])
                : $"{Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(files[i]))))}-{Path.GetFileNameWithoutExtension(files[i])}";
            var cache = Path.Combine(cacheDir, name + ".peaks");
            var supportCache = Path.Combine(cacheDir, name + ".support");
            Zamio.Shared.Fingerprinting.Peak[] peaks, support;
            if (File.Exists(cache) && File.Exists(supportCache))
            {
                peaks = ReadPeaks(cache);
                support = ReadPeaks(supportCache);
            }
            else
            {
                var samples = AudioDecoder.DecodeAll(files[i], FingerprintSettings.SampleRate);
                (peaks, support) = PeakExtractor.ExtractWithSupport(samples);
                WritePeaks(cache, peaks);
                WritePeaks(supportCache, support);
            }

            using var truth = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(files[i], null) + ".truth.json"));
            var duration = truth.RootElement.GetProperty("duration").GetDouble();
            var condition = truth.RootElement.TryGetProperty("condition", out var c) ? c.GetString() ?? "" : "";
            var others = truth.RootElement.GetProperty("plays").EnumerateArray()
                .Concat(truth.RootElement.GetProperty("unknown").EnumerateArray())
                .Select(p => (Start: p.GetProperty("start").GetDouble(), End: p.GetProperty("end").GetDouble()))
                .ToList();
            var songs = truth.RootElement.GetProperty("plays").EnumerateArray()
                .Select(p => p.GetProperty("start").GetDouble() is var start
                    ? new TruthPlay(p.GetProperty("track").GetString()!, start, Masked(start, others)) : null!)
                .Where(p => known.Contains(p.Track))
                .ToList();
            result[i] = new Programme(name, condition, duration, peaks, support, songs);
        });
        return [.. result];
    }

    /// <summary>
    /// Station i joins programme p at an offset 8–38 s before one of its known songs starts (so every station has at
    /// least one song start to time), and carries on from there. So the stations joined before one song start it
    /// within half a minute of each other. With <paramref name="spread"/> they join at offsets spread evenly over
    /// the programme instead, as a fleet's songs start at any time.
    /// </summary>
    private static List<StationPlan> Plan(List<Programme> programmes, int stations, double seconds, string prefix, bool spread)
    {
        if (spread)
        {
            return SpreadPlan(programmes, stations, seconds, prefix);
        }

        var candidates = new List<(Programme Programme, TruthPlay Song)>();
        foreach (var p in programmes)
        {
            foreach (var s in p.Songs)
            {
                if (s.Start >= 40 && s.Start - 40 + seconds + 5 < p.Duration)
                {
                    candidates.Add((p, s));
                }
            }
        }

        if (candidates.Count == 0)
        {
            throw new ArgumentException("no programme song leaves room for the requested --seconds");
        }

        var plan = new List<StationPlan>(stations);
        for (var i = 0; i < stations; i++)
        {
            var (programme, song) = candidates[i % candidates.Count];
            var lead = 8 + ((i * 7.919) % 30);
            plan.Add(Station(programme, song.Start - lead, i, seconds, prefix));
        }

        return plan;
    }

    private static List<StationPlan> SpreadPlan(List<Programme> programmes, int stations, double seconds, string prefix)
    {
        var usable = programmes.Where(p => p.Duration - seconds - 5 > 0).ToList();
        if (usable.Count == 0)
        {
            throw new ArgumentException("no programme is long enough for the requested --seconds");
        }

        // Stations of one programme take offsets at a golden-ratio stride over the room the programme leaves.
        var plan = new List<StationPlan>(stations);
        for (var i = 0; i < stations; i++)
        {
            var programme = usable[i % usable.Count];
            var room = programme.Duration - seconds - 5;
            var offsetSeconds = room * ((i / usable.Count * 0.6180339887) % 1.0);
            plan.Add(Station(programme, offsetSeconds, i, seconds, prefix));
        }

        return plan;
    }

    private static StationPlan Station(Programme programme, double offsetSeconds, int i, double seconds, string prefix)
    {
        var packets = (int)Math.Floor(seconds / PacketSeconds);
        var offsetFrame = (long)Math.Round(offsetSeconds * FingerprintSettings.FramesPerSecond);
        var id = $"{prefix}-{i:D5}";
        var songs = programme.Songs
            .Where(x => x.Start - offsetSeconds >= 4 && x.Start - offsetSeconds <= seconds - 20)
            .Select(x => new MeasuredSong(x.Track, x.Start - (offsetFrame / FingerprintSettings.FramesPerSecond), x.Masked, programme.Name, programme.Condition, x.Start))
            .ToList();
        return new StationPlan(id, Topics.Fingerprints(id), Slice(programme.Peaks, offsetFrame, packets), Slice(programme.Support, offsetFrame, packets), songs);
    }

    // Packet k's peaks, frames relative to the station's first frame.
    private static Zamio.Shared.Fingerprinting.Peak[][] Slice(Zamio.Shared.Fingerprinting.Peak[] peaks, long offsetFrame, int packets)
    {
        var slices = new Zamio.Shared.Fingerprinting.Peak[packets][];
        var cursor = Zamio.Shared.Fingerprinting.Peak.FirstAtOrAfter(peaks, offsetFrame);
        var buffer = new List<Zamio.Shared.Fingerprinting.Peak>();
        for (var k = 0; k < packets; k++)
        {
            var end = (long)Math.Floor((k + 1) * FramesPerPacket);
            buffer.Clear();
            while (cursor < peaks.Length && peaks[cursor].Frame - offsetFrame < end)
            {
                buffer.Add(new Zamio.Shared.Fingerprinting.Peak((int)(peaks[cursor].Frame - offsetFrame), peaks[cursor].Bin16));
                cursor++;
            }

            slices[k] = [.. buffer];
        }

        return slices;
    }


    private static Zamio.Shared.Fingerprinting.Peak[] ReadPeaks(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var count = reader.ReadInt32();
        var peaks = new Zamio.Shared.Fingerprinting.Peak[count];
        for (var i = 0; i < count; i++)
        {
            peaks[i] = new Zamio.Shared.Fingerprinting.Peak(reader.ReadInt32(), reader.ReadUInt16());
        }

        return peaks;
    }

    private static void WritePeaks(string path, Zamio.Shared.Fingerprinting.Peak[] peaks)
    {
        var tmp = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(tmp)))
        {
            writer.Write(peaks.Length);
            foreach (var p in peaks)
            {
                writer.Write(p.Frame);
                writer.Write(p.Bin16);
            }
        }

        File.Move(tmp, path, overwrite: true);
    }

    internal readonly record struct IngestCounters(long Accepted, long Dropped, long Rejected, long Duplicates)
    {
        public long Processed => Accepted + Dropped + Rejected + Duplicates;
    }

    private sealed record Sample(double Wall, long Sent, IngestCounters Counters, double CentralCpu, long CentralRss, double BrokerCpu, double SelfCpu, double PostgresCpu, double RedisCpu);

    private static void DelayRow(string label, int measured, IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {measured} | {sorted.Count} | {ProcStat.Percentile(sorted, 50):F2} | {ProcStat.Percentile(sorted, 95):F2} | {(sorted.Count > 0 ? sorted[^1] : double.NaN):F2} |"));
    }

    // Clear starts by what the programme went through. An agent takes the station's own output (sound card or stream), so a
    // room microphone or a noisy pickup is not how its audio arrives; their rows show what such audio costs.
    private static void ClearStartsByCondition(List<MeasuredSong> timed, List<(double Seconds, bool Masked, double Polled, string Condition)> delays)
    {
        static bool OffAir(string condition) => condition == "room" || condition.StartsWith("noisy", StringComparison.Ordinal);
        Console.WriteLine("| clear starts, by the programme's condition | measured | seen | delay p50 s | p95 s | max s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var clear = delays.Where(d => !d.Masked).ToList();
        DelayRow("the station's output (all but room microphone and added noise)", timed.Count(x => !x.Masked && !OffAir(x.Condition)),
            clear.Where(d => !OffAir(d.Condition)).Select(d => d.Seconds));
        foreach (var condition in timed.Where(x => !x.Masked).Select(x => x.Condition).Distinct().Order(StringComparer.Ordinal))
        {
            DelayRow(condition, timed.Count(x => !x.Masked && x.Condition == condition), clear.Where(d => d.Condition == condition).Select(d => d.Seconds));
        }

        Console.WriteLine();
    }

    // A start is masked when something else sounds over the song's first seconds: a presenter, a jingle, the end of
    // the previous song (crossfade). Such starts cannot be heard until the song comes through.
    private const double MaskSeconds = 5;

    private static bool Masked(double start, List<(double Start, double End)> others) =>
        others.Exists(o => o.Start < start + MaskSeconds && o.End > start + 0.5 && Math.Abs(o.Start - start) > 0.01);

    private sealed record TruthPlay(string Track, double Start, bool Masked);

    private sealed record MeasuredSong(string Track, double AirSeconds, bool Masked, string Programme, string Condition, double ProgrammeSeconds);

    private sealed record Programme(string Name, string Condition, double Duration, Zamio.Shared.Fingerprinting.Peak[] Peaks, Zamio.Shared.Fingerprinting.Peak[] Support, List<TruthPlay> Songs);

    private sealed class StationPlan(string id, string topic, Zamio.Shared.Fingerprinting.Peak[][] packets, Zamio.Shared.Fingerprinting.Peak[][] support, List<MeasuredSong> songs)
    {
        public string Id { get; } = id;

        public byte[] TopicBytes { get; } = System.Text.Encoding.UTF8.GetBytes(topic);

        /// <summary>Peaks of packet k, frames relative to the station's first frame (packet k starts at ⌊62.5 k⌋).</summary>
        public Zamio.Shared.Fingerprinting.Peak[][] Packets { get; } = packets;

        /// <summary>Support peaks of packet k, frames as in <see cref="Packets"/>.</summary>
        public Zamio.Shared.Fingerprinting.Peak[][] Support { get; } = support;

        /// <summary>
        /// Packet k, encoded when it is due: its capture time is the wall time of its first frame, so central's play
        /// times line up with this run's clock (encoding costs microseconds, negligible next to the MQTT publish).
        /// </summary>
        public byte[] Encode(int k, DateTimeOffset t0)
        {
            var start = (long)Math.Floor(k * FramesPerPacket);
            var end = (long)Math.Floor((k + 1) * FramesPerPacket);
            var capture = t0.ToUnixTimeMilliseconds() * 1000 + (long)Math.Round((Phase * 1_000_000) + (start * MicrosPerFrame));
            return new FingerprintPacket(Id, (ulong)k + 1, capture, start, (int)(end - start), Packets[k], support: Support[k]).ToArray();
        }

        public List<MeasuredSong> Songs { get; } = songs;

        public double Phase { get; set; }
    }
}
