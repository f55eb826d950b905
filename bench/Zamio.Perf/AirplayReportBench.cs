using System.Diagnostics;
using Npgsql;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Perf;

/// <summary>
/// The airplay report over a month of plays: the store's aggregation (<see cref="IPlayStore.Airplay"/>) against the
/// baseline a client without it has, reading every play of the month page by page and summing them itself.
/// </summary>
internal static class AirplayReportBench
{
    private static readonly DateTimeOffset MonthStart = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    public static int Run(Options options)
    {
        var stations = options.Int("stations", 200);
        var days = options.Int("days", 30);
        var playsPerHour = options.Int("plays-per-hour", 12);
        var runs = options.Int("runs", 3);
        var postgres = options.String("postgres");
        options.EnsureAllUsed();

        var temp = Path.Combine(Path.GetTempPath(), "zamio-report-bench-" + Guid.NewGuid().ToString("N"));
        NpgsqlDataSource? source = null;
        try
        {
            IPlayStore store;
            if (postgres is null)
            {
                store = new SqlitePlayStore(CentralDatabase.Open(temp));
            }
            else
            {
                source = NpgsqlDataSource.Create(postgres);
                PostgresMigrations.ApplyAsync(source, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult();
                store = new PostgresPlayStore(source);
            }

            var total = Fill(store, stations, days, playsPerHour);
            var to = MonthStart.AddDays(days);
            Console.WriteLine($"| store | plays | report, all stations (ms) | report, one station (ms) | baseline: page through the plays and sum (ms) | ratio |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|");
            for (var run = 0; run < runs; run++)
            {
                var all = Time(() => store.Airplay(null, MonthStart, to).Count);
                var one = Time(() => store.Airplay("st-0007", MonthStart, to).Count);
                var baseline = Time(() => PageAndSum(store, MonthStart, to));
                Console.WriteLine($"| {(postgres is null ? "SQLite" : "PostgreSQL")} | {total:N0} | {all.Ms:F0} ({all.Lines:N0} lines) | {one.Ms:F0} | {baseline.Ms:F0} ({baseline.Lines:N0} lines) | {baseline.Ms / all.Ms:F1}× |");
                if (all.Lines != baseline.Lines)
                {
                    throw new InvalidOperationException($"the report has {all.Lines} lines, the baseline {baseline.Lines}");
                }
            }

            return 0;
        }
        finally
        {
            source?.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    // Each station plays a rotation of 50 tracks, a play every 3600 / playsPerHour seconds, 80 % of the slot long.
    private static long Fill(IPlayStore store, int stations, int days, int playsPerHour)
    {
        var slot = TimeSpan.FromSeconds(3600.0 / playsPerHour);
        var batch = new List<PlayRecord>(10_000);
        long total = 0;
        var clock = Stopwatch.StartNew();
        for (var s = 0; s < stations; s++)
        {
            var station = $"st-{s:D4}";
            var slots = days * 24 * playsPerHour;
            for (var i = 0; i < slots; i++)
            {
                var start = MonthStart + (slot * i);
                batch.Add(new PlayRecord(station, $"{station}/1-0-0/{i}", $"track-{(i * 7 + s) % 50:D2}", start, start + (slot * 0.8), 0.99, 1, "closed"));
                if (batch.Count == batch.Capacity)
                {
                    store.UpsertAsync(batch, MonthStart, CancellationToken.None).GetAwaiter().GetResult();
                    total += batch.Count;
                    batch.Clear();
                }
            }
        }

        store.UpsertAsync(batch, MonthStart, CancellationToken.None).GetAwaiter().GetResult();
        total += batch.Count;
        Console.Error.WriteLine($"filled {total:N0} plays in {clock.Elapsed.TotalSeconds:F1} s");
        return total;
    }

    private static int PageAndSum(IPlayStore store, DateTimeOffset from, DateTimeOffset to)
    {
        var sums = new Dictionary<(string, string), double>();
        PlayCursor? after = null;
        IReadOnlyList<PlayRecord> page;
        do
        {
            page = store.Query(null, from, to, 10_000, after);
            foreach (var play in page.Where(p => p.Start >= from))
            {
                sums[(play.Station, play.Track)] = sums.GetValueOrDefault((play.Station, play.Track)) + (play.End - play.Start).TotalSeconds;
            }

            after = page.Count > 0 ? PlayCursor.After(page[^1]) : null;
        }
        while (page.Count == 10_000);

        return sums.Count;
    }

    private static (double Ms, int Lines) Time(Func<int> report)
    {
        var clock = Stopwatch.StartNew();
        var lines = report();
        return (clock.Elapsed.TotalMilliseconds, lines);
    }
}
