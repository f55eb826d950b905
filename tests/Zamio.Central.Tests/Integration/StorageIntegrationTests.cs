using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Archive;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Caching;
using Zamio.Central.Tests.Storage;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Tests.Integration;

/// <summary>PostgreSQL and Redis behind central's storage: real servers (see <see cref="TestServers"/>).</summary>
[Trait("Category", "Integration")]
public sealed class StorageIntegrationTests(ITestOutputHelper output)
{
    // A change reaches the other instances without a restart; how soon (within a second) is measured by
    // scripts/bench/central-change.sh, not here, where other test classes share the two cores.
    private static readonly TimeSpan LiveWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Migrations_are_idempotent_and_safe_when_instances_start_together()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(pg.ConnectionString)).ToList();
        try
        {
            var applied = await Task.WhenAll(sources.Select(s => PostgresMigrations.ApplyAsync(s, NullLogger.Instance, CancellationToken.None)));
            Assert.Equal(PostgresMigrations.LatestVersion, applied.Sum());
            Assert.Equal(0, await PostgresMigrations.ApplyAsync(sources[0], NullLogger.Instance, CancellationToken.None));
            await using var connection = await sources[0].OpenConnectionAsync();
            var versions = (await connection.QueryAsync<int>("SELECT version FROM schema_version ORDER BY version")).ToList();
            Assert.Equal(Enumerable.Range(1, PostgresMigrations.LatestVersion), versions);
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Play_upserts_are_idempotent_and_closed_plays_only_move_for_later_evidence()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var source = await pg.MigratedAsync();
        var store = new PostgresPlayStore(source);
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var ongoing = new PlayRecord("st-a", "st-a/100-0/1", "song1", start, start.AddSeconds(30), 0.9, 1.0, "ongoing");
        var closed = ongoing with { End = start.AddSeconds(200), Status = "closed" };
        var now = start.AddMinutes(5);

        await store.UpsertAsync([ongoing], now, CancellationToken.None);
        await store.UpsertAsync([ongoing, closed], now, CancellationToken.None); // a redelivered batch
        await store.UpsertAsync([closed], now, CancellationToken.None);
        await store.UpsertAsync([ongoing], now, CancellationToken.None); // a stale replay must not reopen it
        await store.UpsertAsync([ongoing with { Station = "st-b" }], now, CancellationToken.None);

        var plays = store.Query("st-a", null, null, 100);
        var play = Assert.Single(plays);
        Assert.Equal("closed", play.Status);
        Assert.Equal(start, play.Start);
        Assert.Single(store.Query("st-b", start, start.AddHours(1), 100));
        Assert.Equal(2, store.Query(null, start.AddSeconds(10), null, 100).Count);
        Assert.Empty(store.Ongoing("st-a"));
        Assert.Equal("st-b", Assert.Single(store.Ongoing("st-b")).Station);

        // Evidence past the end (a station's stream resuming after an idle close) carries the same row on.
        var resumed = closed with { End = start.AddSeconds(204), Status = "ongoing" };
        await store.UpsertAsync([resumed], now, CancellationToken.None);
        Assert.Equal(resumed, Assert.Single(store.Query("st-a", null, null, 100)));

        // The end never moves back: a close at an earlier end (the idle close of a session another one carried the
        // play on from) leaves the longer ongoing play; a close at the same end closes it.
        await store.UpsertAsync([resumed with { End = start.AddSeconds(202), Status = "closed" }], now, CancellationToken.None);
        Assert.Equal(resumed, Assert.Single(store.Query("st-a", null, null, 100)));
        await store.UpsertAsync([resumed with { Status = "closed" }], now, CancellationToken.None);
        Assert.Equal(resumed with { Status = "closed" }, Assert.Single(store.Query("st-a", null, null, 100)));
        resumed = resumed with { End = start.AddSeconds(206) };
        await store.UpsertAsync([resumed], now, CancellationToken.None);

        // A play withdrawn as the shadow of another is kept as retracted (migration 2 allows the status) but not listed.
        await store.UpsertAsync([resumed with { Status = "retracted" }], now, CancellationToken.None);
        Assert.Empty(store.Query("st-a", null, null, 100));
        Assert.Single(store.Query("st-b", null, null, 100));
    }

    [Fact]
    public async Task A_rematch_job_queued_on_one_instance_is_followed_on_another_through_postgres()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var source = await pg.MigratedAsync();
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        RematchJobs Instance() => new(new PostgresPlayStore(source), RematchJobStore.Postgres(source), Options.Create(new ArchiveOptions()), time, NullLogger<RematchJobs>.Instance);
        var a = Instance();
        var b = Instance();
        var run = new RematchRun([dir.Path], time.GetUtcNow().AddDays(-1), time.GetUtcNow(), Zamio.Shared.Indexing.FingerprintIndex.Empty, null, Write: false);
        var job = a.TryQueue("pg-joy", run, [])!;

        Assert.Equal(("queued", "pg-joy"), (b.Show(job.Id)!.Status, b.Show(job.Id)!.Station));
        await a.StartAsync(CancellationToken.None);
        try
        {
            await job.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await a.StopAsync(CancellationToken.None);
        }

        var done = b.Show(job.Id)!;
        Assert.Equal(("done", run.From, run.To, 0), (done.Status, done.From, done.To, done.Plays!.Count));
        Assert.Equal(1, RematchJobStore.Postgres(source).Forget(time.GetUtcNow().AddSeconds(1)));
        Assert.Null(b.Show(job.Id));
    }

    [Fact]
    public async Task Plays_page_by_start_then_key_in_postgres_without_skipping_ties()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var source = await pg.MigratedAsync();
        var store = new PostgresPlayStore(source);
        var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(4560); // microseconds survive the cursor
        var plays = PlayPages.Tied(start);
        await store.UpsertAsync(plays, start, CancellationToken.None);

        var walked = PlayPages.Walk(store, 3);

        Assert.Equal(store.Query(null, null, null, 100), walked);
        Assert.Equal(plays.OrderBy(p => p.Start).ThenBy(p => p.PlayKey, StringComparer.Ordinal).Select(p => p.PlayKey), walked.Select(p => p.PlayKey));
    }

    [Fact]
    public async Task Airplay_in_postgres_sums_the_plays_that_began_in_the_period_per_station_and_track()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        await AirplayPlays.SeedAndCheckAsync(new PostgresPlayStore(await pg.MigratedAsync()));
    }

    [Fact]
    public async Task A_day_matched_again_under_new_keys_writes_onto_the_airings_postgres_has()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        await ReplayedAirings.CheckAsync(new PostgresPlayStore(await pg.MigratedAsync()));
    }

    [Fact]
    public async Task Plays_left_ongoing_and_untouched_are_closed_in_postgres_at_their_end()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        await AbandonedPlays.CheckAsync(new PostgresPlayStore(await pg.MigratedAsync()));
    }

    [Fact]
    public async Task Stations_removed_or_given_a_new_key_in_postgres_stop_verifying_with_the_old_key()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var source = await pg.MigratedAsync();
        var stations = new Stations.StationStore(new PostgresStationStore(source), TimeProvider.System);
        var keyA = stations.Add("st-a");
        var keyB = stations.Add("st-b");
        var before = stations.KeyHashes();

        var newKeyB = stations.Add("st-b");
        Assert.True(stations.Remove("st-a"));

        var after = stations.KeyHashes();
        Assert.Equal(["st-b"], after.Keys);
        Assert.NotEqual(before["st-b"], after["st-b"]);
        Assert.False(stations.Verify("st-a", keyA));
        Assert.False(stations.Verify("st-b", keyB));
        Assert.True(stations.Verify("st-b", newKeyB));
        Assert.Equal(("st-b", null, null), (stations.FindOwner(newKeyB), stations.FindOwner(keyB), stations.FindOwner(keyA)));
        Assert.False(stations.Remove("st-a"));
    }

    [Fact]
    public async Task A_catalogue_change_on_one_instance_is_live_on_another_within_a_second()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        var redis = await TestServers.RedisAsync(output);
        if (pg is null || redis is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var settings = TestServers.SharedDeployment(pg, redis.Value);
        try
        {
            await using var a = await IntegrationHost.StartAsync(dir.Combine("a"), settings);
            await using var b = await IntegrationHost.StartAsync(dir.Combine("b"), settings);
            var indexB = b.Get<CatalogIndex>();
            Assert.Equal(0, indexB.TrackCount);

            var added = IntegrationHost.WhenIndex(indexB, i => i.Contains("song-live"));
            var track = new CatalogTrack("song-live", "Live", "Artist", "GBAAA2400001", 30, FingerprintSettings.AlgorithmVersion, DateTimeOffset.UnixEpoch);
            var peaks = IntegrationHost.SyntheticPeaks(7);
            await a.Get<CatalogManager>().AddAsync(track, peaks, CancellationToken.None);
            Assert.True(a.Get<CatalogIndex>().Contains("song-live"), "the changing instance has the track when AddAsync returns");
            Assert.Equal(track, await b.Get<CatalogManager>().FindAsync("song-live", CancellationToken.None));
            Assert.Equal([track], await b.Get<CatalogManager>().PageAsync(null, 10, CancellationToken.None));
            Assert.Empty(await b.Get<CatalogManager>().PageAsync("song-live", 10, CancellationToken.None));
            var store = b.Get<ICatalogStore>();
            Assert.False(await store.ReplaceDescriptionAsync("song-live", new TrackMetadata("Stale", null, null), new TrackMetadata("X", null, null), CancellationToken.None));
            var patched = await b.Get<CatalogManager>().PatchDescriptionAsync("song-live", m => m with { Artist = null }, CancellationToken.None);
            Assert.Equal(("Live", null, "GBAAA2400001", true), (patched!.Value.Track.Title, patched.Value.Track.Artist, patched.Value.Track.Isrc, patched.Value.Changed));
            Assert.Null((await store.FindAsync("song-live", CancellationToken.None))!.Artist);
            await added.WaitAsync(LiveWithin);

            // The new track matches on instance B: its own peaks identify it.
            var match = indexB.MatcherForThisThread().Match(peaks.ToPeaks().AsSpan(0, 200));
            Assert.Equal("song-live", Assert.Single(match).TrackId);

            // A new instance warms from Redis, not PostgreSQL.
            await using (var c = await IntegrationHost.StartAsync(dir.Combine("c"), settings))
            {
                Assert.Contains(c.Get<CatalogIndex>().LoadedFrom, new[] { "snapshot", "redis" });
                Assert.True(c.Get<CatalogIndex>().Contains("song-live"));
            }

            var removed = IntegrationHost.WhenIndex(indexB, i => !i.Contains("song-live"));
            Assert.True(await a.Get<CatalogManager>().RemoveAsync("song-live", CancellationToken.None));
            await removed.WaitAsync(LiveWithin);
            Assert.Empty(indexB.MatcherForThisThread().Match(peaks.ToPeaks().AsSpan(0, 200)));
            Assert.Empty(await a.Get<CatalogManager>().ListAsync(CancellationToken.None));
            Assert.Null(await a.Get<CatalogManager>().FindAsync("song-live", CancellationToken.None));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Fact]
    public async Task Rate_limits_hold_across_instances_through_redis()
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        var time = new FixedTime(new DateTimeOffset(2024, 5, 1, 12, 0, 30, TimeSpan.Zero));
        var options = Options.Create(new RateLimitOptions { PacketsPerMinute = 10, PeaksPerSecond = 0 });
        var redisOptions = new RedisOptions { KeyPrefix = redis.Value.Prefix };
        using var first = new RedisConnection(redis.Value.Configuration, redisOptions, NullLogger<RedisConnection>.Instance);
        using var second = new RedisConnection(redis.Value.Configuration, redisOptions, NullLogger<RedisConnection>.Instance);
        try
        {
            var limiters = new[] { first, second }.Select(r => new RedisRateLimiter(
                r, new LocalRateLimiter(options, time), options, time, NullLogger<RedisRateLimiter>.Instance)).ToArray();
            var verdicts = await Verdicts.OfAsync(16, i => limiters[i % 2].CheckAsync("st-shared", 20, 0));
            Assert.Equal(10, verdicts.Count(v => v == RateLimitVerdict.Allowed));
            Assert.All(verdicts.Skip(10), v => Assert.Equal(RateLimitVerdict.PacketsPerMinute, v));
            Assert.All(limiters, l => Assert.Equal(0, l.Fallbacks));
            Assert.Equal(RateLimitVerdict.Allowed, await limiters[0].CheckAsync("st-other", 20, 0));

            // Peaks: 5 peaks/s over 10 s windows = 50 per window, shared.
            var peakOptions = Options.Create(new RateLimitOptions { PacketsPerMinute = 0, PeaksPerSecond = 5, PeakWindowSeconds = 10 });
            var peakLimiters = new[] { first, second }.Select(r => new RedisRateLimiter(
                r, new LocalRateLimiter(peakOptions, time), peakOptions, time, NullLogger<RedisRateLimiter>.Instance)).ToArray();
            Assert.Equal(RateLimitVerdict.Allowed, await peakLimiters[0].CheckAsync("st-peaks", 30, 0));
            Assert.Equal(RateLimitVerdict.PeaksPerSecond, await peakLimiters[1].CheckAsync("st-peaks", 30, 0));
            Assert.Equal(RateLimitVerdict.Allowed, await peakLimiters[1].CheckAsync("st-peaks", 20, 0));

            // Support peaks: 10/s = 100 per window, shared; a packet refused for them takes back its peaks as well.
            var supportOptions = Options.Create(new RateLimitOptions { PacketsPerMinute = 0, PeaksPerSecond = 5, SupportPeaksPerSecond = 10, PeakWindowSeconds = 10 });
            var supportLimiters = new[] { first, second }.Select(r => new RedisRateLimiter(
                r, new LocalRateLimiter(supportOptions, time), supportOptions, time, NullLogger<RedisRateLimiter>.Instance)).ToArray();
            Assert.Equal(RateLimitVerdict.Allowed, await supportLimiters[0].CheckAsync("st-support", 20, 60));
            Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, await supportLimiters[1].CheckAsync("st-support", 20, 60));
            Assert.Equal(RateLimitVerdict.Allowed, await supportLimiters[1].CheckAsync("st-support", 30, 40));
            Assert.Equal(RateLimitVerdict.SupportPeaksPerSecond, await supportLimiters[0].CheckAsync("st-support", 0, 1));
            Assert.Equal(RateLimitVerdict.Allowed, await supportLimiters[0].CheckAsync("st-quiet", 0, 100));
            var window = time.GetUtcNow().ToUnixTimeSeconds() / 10;
            Assert.Equal((50L, 100L), (
                (long)await first.Database.StringGetAsync(first.Key($"rl:st-support:p:{window}")),
                (long)await first.Database.StringGetAsync(first.Key($"rl:st-support:s:{window}"))));
            Assert.All(supportLimiters, l => Assert.Equal(0, l.Fallbacks));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Theory]
    [InlineData(RateLimitVerdict.PacketsPerMinute)]
    [InlineData(RateLimitVerdict.SupportPeaksPerSecond)]
    public async Task Rate_limits_far_below_the_limit_are_counted_without_waiting_and_still_exact(RateLimitVerdict limit)
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        // Either limit lets 300 of these packets (1,000 support peaks each) through.
        var time = new FixedTime(new DateTimeOffset(2024, 5, 1, 12, 0, 30, TimeSpan.Zero));
        var options = Options.Create(limit == RateLimitVerdict.PacketsPerMinute
            ? new RateLimitOptions { PacketsPerMinute = 300, PeaksPerSecond = 0, SupportPeaksPerSecond = 0 }
            : new RateLimitOptions { PacketsPerMinute = 0, PeaksPerSecond = 0, SupportPeaksPerSecond = 30_000, PeakWindowSeconds = 10 });
        using var connection = new RedisConnection(redis.Value.Configuration, new RedisOptions { KeyPrefix = redis.Value.Prefix }, NullLogger<RedisConnection>.Instance);
        try
        {
            var limiter = new RedisRateLimiter(connection, new LocalRateLimiter(options, time), options, time, NullLogger<RedisRateLimiter>.Instance);

            // The first half is allowed locally and counted asynchronously; near the limit Redis decides each packet.
            var verdicts = await Verdicts.OfAsync(400, _ => limiter.CheckAsync("st-burst", 20, 1_000));

            Assert.Equal(300, verdicts.Count(v => v == RateLimitVerdict.Allowed));
            Assert.All(verdicts.Skip(300), v => Assert.Equal(limit, v));
            Assert.Equal(0, limiter.Fallbacks);
            var seconds = time.GetUtcNow().ToUnixTimeSeconds();
            Assert.Equal(400, (long)await connection.Database.StringGetAsync(connection.Key($"rl:st-burst:m:{seconds / 60}")));
            Assert.Equal(300_000, (long)await connection.Database.StringGetAsync(connection.Key($"rl:st-burst:s:{seconds / 10}")));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Fact]
    public async Task Redis_down_uses_the_local_limiter_and_readiness_reports_degraded()
    {
        // Needs no server: Redis is "stopped" (a closed port), storage is embedded.
        using var dir = new TempDirectory();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = $"127.0.0.1:{TestServers.ClosedPort()}",
            ["Zamio:Redis:ConnectTimeoutMilliseconds"] = "200",
            ["Zamio:RateLimits:PacketsPerMinute"] = "3",
        };
        await using var host = await IntegrationHost.StartAsync(dir.Path, settings);
        var limiter = host.Get<IStationRateLimiter>();
        Assert.False(limiter.IsShared);
        var verdicts = await Verdicts.OfAsync(5, _ => limiter.CheckAsync("st-local", 10, 0));
        Assert.Equal(3, verdicts.Count(v => v == RateLimitVerdict.Allowed));
        Assert.Equal(5, host.Get<RedisRateLimiter>().Fallbacks);

        // The index still loads (from the embedded store) and matching goes on; a catalogue change, which no other
        // instance would hear of, is refused with nothing written.
        Assert.True(host.Get<CatalogIndex>().IsLoaded);
        Assert.Equal("store", host.Get<CatalogIndex>().LoadedFrom);
        var manager = host.Get<CatalogManager>();
        var peaks = IntegrationHost.SyntheticPeaks(11);
        await Assert.ThrowsAsync<CatalogChangeRefusedException>(() => manager.AddAsync(
            new CatalogTrack("song-offline", null, null, null, 30, FingerprintSettings.AlgorithmVersion, DateTimeOffset.UnixEpoch), peaks, CancellationToken.None));
        Assert.False(host.Get<CatalogIndex>().Contains("song-offline"));
        Assert.Empty(await manager.ListAsync(CancellationToken.None));

        var report = await host.Get<DependencyHealth>().CheckAsync(CancellationToken.None);
        Assert.Equal("degraded", report.Status);
        Assert.Equal("unavailable", report.Redis);
        Assert.Equal("embedded", report.Database);
        Assert.Equal("local", report.RateLimits);

        // And /metrics says so: the cache is configured and not connected.
        using var metrics = new Zamio.Central.Metrics.CentralMetrics(
            host.Get<CatalogIndex>(), new Zamio.Central.Stations.StationActivity(TimeProvider.System),
            new Zamio.Central.Ingest.IngestQueue(Options.Create(new Zamio.Central.Hosting.ServeOptions())), host.Get<RedisConnection>());
        long? connected = null;
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == metrics.Meter && instrument.Name == "zamio.cache.connected")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => connected = value);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(0, connected);
    }

    [Fact]
    public async Task Plays_are_buffered_while_postgres_is_down_and_written_when_it_returns()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        await using var real = NpgsqlDataSource.Create(pg.ConnectionString);
        await PostgresMigrations.ApplyAsync(real, NullLogger.Instance, CancellationToken.None);
        var down = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Port = TestServers.ClosedPort(), Timeout = 1 };
        await using var stopped = NpgsqlDataSource.Create(down.ConnectionString);
        var backend = new SwitchablePlayStore(new PostgresPlayStore(stopped));
        var options = Options.Create(new StorageOptions { RetryDelayMilliseconds = 10, MaxRetryDelayMilliseconds = 50, PlayBufferCapacity = 100 });
        using var plays = new PlayStore(backend, options, TimeProvider.System, NullLogger<PlayStore>.Instance);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            var start = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
            var records = Enumerable.Range(0, 5).Select(i => new PlayRecord(
                "st-buffer", $"st-buffer/1-0/{i}", $"song{i}", start.AddMinutes(i * 4), start.AddMinutes((i * 4) + 3), 0.9, 1, "ongoing")).ToList();
            plays.Upsert(records);
            await backend.FailedTwice.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(plays.State.Healthy);
            Assert.Equal(5, plays.State.Pending);

            // Updates while down coalesce with the buffered plays.
            plays.Upsert([records[0] with { Status = "closed" }]);
            backend.Current = new PostgresPlayStore(real);
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

            var stored = new PostgresPlayStore(real).Query("st-buffer", null, null, 100);
            Assert.Equal(5, stored.Count);
            Assert.Equal("closed", stored[0].Status);
            Assert.True(plays.State.Healthy);
            Assert.Equal(0, plays.State.Pending);
            Assert.Equal(0, plays.State.Dropped);
        }
        finally
        {
            await plays.StopAsync(CancellationToken.None);
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class SwitchablePlayStore(IPlayStore initial) : IPlayStore
    {
        private int _failures;

        public TaskCompletionSource FailedTwice { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile IPlayStore Current = initial;

        public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
        {
            try
            {
                await Current.UpsertAsync(plays, now, cancellationToken);
            }
            catch (NpgsqlException)
            {
                if (Interlocked.Increment(ref _failures) >= 2)
                {
                    FailedTwice.TrySetResult();
                }

                throw;
            }
        }

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) =>
            Current.Query(station, from, to, limit, after);

        public IReadOnlyList<PlayRecord> Ongoing(string station) => Current.Ongoing(station);

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => Current.Airplay(station, from, to);

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => Current.CloseAbandoned(untouchedSince, now);
    }
}
