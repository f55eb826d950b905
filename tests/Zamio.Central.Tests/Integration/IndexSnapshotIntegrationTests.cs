using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit.Abstractions;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Integration;

/// <summary>The built index shared through Redis, against real PostgreSQL and Redis (see <see cref="TestServers"/>).</summary>
[Trait("Category", "Integration")]
public sealed class IndexSnapshotIntegrationTests(ITestOutputHelper output)
{
    // A change reaches the other instances without a restart; how soon (within a second) is measured by
    // scripts/bench/central-change.sh, not here, where other test classes share the two cores.
    private static readonly TimeSpan LiveWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WriteWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_new_instance_loads_the_snapshot_changes_apply_on_top_and_a_damaged_one_falls_back()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        var redis = await TestServers.RedisAsync(output);
        if (pg is null || redis is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var settings = Settings(pg, redis.Value);
        settings["Zamio:Redis:SnapshotDebounceMilliseconds"] = "50";
        settings["Zamio:Redis:SnapshotChunkBytes"] = "65536"; // several chunks even for a tiny catalogue
        try
        {
            await using var a = await IntegrationHost.StartAsync(dir.Combine("a"), settings);
            var written = SnapshotWritten([a], 3);
            var manager = a.Get<CatalogManager>();
            for (var i = 0; i < 3; i++)
            {
                await manager.AddAsync(Track($"snap-{i}"), IntegrationHost.SyntheticPeaks(20 + i), CancellationToken.None);
            }

            await written.WaitAsync(WriteWithin);

            await using var c = await IntegrationHost.StartAsync(dir.Combine("c"), settings);
            var indexC = c.Get<CatalogIndex>();
            Assert.Equal("snapshot", indexC.LoadedFrom);
            Assert.Equal(3, indexC.Version);
            Assert.Equal(3, indexC.TrackCount);
            var peaks = IntegrationHost.SyntheticPeaks(21).ToPeaks()[..200];
            Assert.Equal("snap-1", Assert.Single(indexC.MatcherForThisThread().Match(peaks)).TrackId);

            // A change made elsewhere is live on the instance that started from the snapshot.
            var removed = IntegrationHost.WhenIndex(indexC, i => !i.Contains("snap-1"));
            var rewritten = SnapshotWritten([a, c], 4);
            Assert.True(await manager.RemoveAsync("snap-1", CancellationToken.None));
            await removed.WaitAsync(LiveWithin);
            Assert.Empty(indexC.MatcherForThisThread().Match(peaks));

            // The snapshot is rewritten for the new version; damaged, it is passed over for the cached peaks.
            await rewritten.WaitAsync(WriteWithin);
            await DamageFirstChunkAsync(redis.Value);
            await using var d = await IntegrationHost.StartAsync(dir.Combine("d"), settings);
            Assert.Equal("redis", d.Get<CatalogIndex>().LoadedFrom);
            Assert.Equal(["snap-0", "snap-2"], new[] { "snap-0", "snap-1", "snap-2" }.Where(d.Get<CatalogIndex>().Contains));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Fact]
    public async Task After_redis_restarts_empty_changes_stay_live_and_new_instances_warm_from_it_again()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        var redis = await TestServers.RedisAsync(output);
        if (pg is null || redis is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var settings = Settings(pg, redis.Value);
        settings["Zamio:Redis:SnapshotDebounceMilliseconds"] = "50";
        settings["Zamio:Redis:VersionCheckMilliseconds"] = "200";
        try
        {
            await using var a = await IntegrationHost.StartAsync(dir.Combine("a"), settings);
            await using var b = await IntegrationHost.StartAsync(dir.Combine("b"), settings);
            var indexB = b.Get<CatalogIndex>();
            var manager = a.Get<CatalogManager>();
            var first = IntegrationHost.WhenIndex(indexB, i => i.Contains("before-restart"));
            await manager.AddAsync(Track("before-restart"), IntegrationHost.SyntheticPeaks(31), CancellationToken.None);
            await first.WaitAsync(LiveWithin);

            // Redis restarts empty: counted from 1 again, the next change had a version instance B had applied.
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
            var second = IntegrationHost.WhenIndex(indexB, i => i.Contains("after-restart"));
            await manager.AddAsync(Track("after-restart"), IntegrationHost.SyntheticPeaks(32), CancellationToken.None);
            await second.WaitAsync(LiveWithin);
            Assert.Equal(2, indexB.Version);

            // Emptied with no change to follow, it gets the version and the snapshot back from the instances.
            var rewritten = SnapshotWritten([a, b], 2);
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
            await rewritten.WaitAsync(WriteWithin);
            await using var c = await IntegrationHost.StartAsync(dir.Combine("c"), settings);
            var indexC = c.Get<CatalogIndex>();
            Assert.Equal("snapshot", indexC.LoadedFrom);
            Assert.Equal(2, indexC.Version);
            Assert.True(indexC.Contains("before-restart") && indexC.Contains("after-restart"));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Fact]
    public async Task A_damaged_cache_entry_is_read_from_the_store_and_start_up_goes_on()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        var redis = await TestServers.RedisAsync(output);
        if (pg is null || redis is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var settings = Settings(pg, redis.Value);
        settings["Zamio:Redis:IndexSnapshots"] = "false";
        try
        {
            await using (var a = await IntegrationHost.StartAsync(dir.Combine("a"), settings))
            {
                await a.Get<CatalogManager>().AddAsync(Track("good"), IntegrationHost.SyntheticPeaks(30), CancellationToken.None);
                await a.Get<CatalogManager>().AddAsync(Track("damaged"), IntegrationHost.SyntheticPeaks(31), CancellationToken.None);
            }

            await using (var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.Value.Configuration))
            {
                // Frame count, then two peaks out of frame order.
                byte[] bad = [100, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0x10, 0];
                await multiplexer.GetDatabase().HashSetAsync($"{redis.Value.Prefix}:catalog:v{FingerprintSettings.AlgorithmVersion}", "damaged", bad);
            }

            await using var b = await IntegrationHost.StartAsync(dir.Combine("b"), settings);
            var index = b.Get<CatalogIndex>();
            Assert.Equal("redis", index.LoadedFrom);
            Assert.True(index.Contains("good"));
            Assert.True(index.Contains("damaged"), "the damaged cache entry is read from the store");
            var peaks = IntegrationHost.SyntheticPeaks(31).ToPeaks().AsSpan(0, 200);
            Assert.Equal("damaged", Assert.Single(index.MatcherForThisThread().Match(peaks)).TrackId);
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Fact]
    public async Task The_store_writes_once_per_version_and_refuses_stale_locked_and_foreign_snapshots()
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        var options = new RedisOptions { KeyPrefix = redis.Value.Prefix, SnapshotChunkBytes = 65536 };
        using var connection = new RedisConnection(redis.Value.Configuration, options, NullLogger<RedisConnection>.Instance);
        var store = new IndexSnapshotStore(connection, Options.Create(options), NullLogger<IndexSnapshotStore>.Instance);
        var db = connection.Database;
        var index = new IndexBuilder().Add("one", IntegrationHost.SyntheticPeaks(40)).Add("two", IntegrationHost.SyntheticPeaks(41)).Build();
        try
        {
            Assert.Null(await store.TryLoadAsync(0, CancellationToken.None));
            Assert.Equal(SnapshotWriteResult.Written, await store.TryWriteAsync(index, 0, CancellationToken.None));
            Assert.Equal(SnapshotWriteResult.Current, await store.TryWriteAsync(index, 0, CancellationToken.None));
            var loaded = await store.TryLoadAsync(0, CancellationToken.None);
            Assert.NotNull(loaded);
            Assert.Equal(index.PostingCount, loaded.PostingCount);
            Assert.Equal(["one", "two"], loaded.Tracks.Select(t => t.Id));

            // The catalogue moved on: the snapshot is stale for readers, and an index of the old version is not written.
            await db.StringIncrementAsync(RedisCatalogChangeFeed.VersionKey(connection));
            Assert.Null(await store.TryLoadAsync(1, CancellationToken.None));
            Assert.Equal(SnapshotWriteResult.Stale, await store.TryWriteAsync(index, 2, CancellationToken.None));

            // Another writer holds the lock.
            var lockKey = connection.Key($"index:v{FingerprintSettings.AlgorithmVersion}:snapshot:lock");
            await db.StringSetAsync(lockKey, "someone-else", TimeSpan.FromMinutes(1));
            Assert.Equal(SnapshotWriteResult.Busy, await store.TryWriteAsync(index, 1, CancellationToken.None));
            await db.KeyDeleteAsync(lockKey);
            Assert.Equal(SnapshotWriteResult.Written, await store.TryWriteAsync(index, 1, CancellationToken.None));
            Assert.False(await db.KeyExistsAsync(lockKey), "the lock is released after writing");
            Assert.NotNull(await store.TryLoadAsync(1, CancellationToken.None));

            // A manifest of another format is ignored, not misread.
            var manifestKey = connection.Key($"index:v{FingerprintSettings.AlgorithmVersion}:snapshot");
            await db.StringSetAsync(manifestKey, "zmix99 1 abc 100 100 0");
            Assert.Null(await store.TryLoadAsync(1, CancellationToken.None));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    private static Dictionary<string, string?> Settings(PostgresSchema pg, (string Configuration, string Prefix) redis) =>
        TestServers.SharedDeployment(pg, redis);

    private static CatalogTrack Track(string id) =>
        new(id, id, "Artist", null, 30, FingerprintSettings.AlgorithmVersion, DateTimeOffset.UnixEpoch);

    /// <summary>Completes when any of the hosts has written the snapshot of catalogue version <paramref name="version"/>.</summary>
    private static Task SnapshotWritten(IEnumerable<IntegrationHost> hosts, long version)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var host in hosts)
        {
            host.Get<IndexSnapshotPublisher>().Attempted += (result, v) =>
            {
                if (result == SnapshotWriteResult.Written && v == version)
                {
                    done.TrySetResult();
                }
            };
        }

        return done.Task;
    }

    private static async Task DamageFirstChunkAsync((string Configuration, string Prefix) redis)
    {
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = multiplexer.GetDatabase();
        var key = $"{redis.Prefix}:index:v{FingerprintSettings.AlgorithmVersion}:snapshot";
        var manifest = SnapshotManifest.Parse(await db.StringGetAsync(key));
        Assert.NotNull(manifest);
        Assert.True(manifest.ChunkCount > 1);
        await db.StringSetRangeAsync($"{key}:{manifest.Id}:0", IndexSnapshot.HeaderBytes + 8, "damage");
    }
}
