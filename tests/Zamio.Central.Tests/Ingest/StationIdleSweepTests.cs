using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Ingest;

public class StationIdleSweepTests
{
    [Fact]
    public async Task ExecuteAsync_APeriodPasses_QueuesAnIdleCheckBehindThePacketsOfEveryShard()
    {
        var options = Options.Create(new ServeOptions { IngestWorkers = 3, IdleCloseSeconds = 60 });
        var queue = new IngestQueue(options);
        var time = new FakeTimeProvider();
        var packet = new InboundPacket("st1", "st1", [1]);
        await queue.EnqueueAsync(packet, CancellationToken.None);
        using var dir = new TempDirectory();
        using var sweep = new StationIdleSweep(queue, new SqlitePlayStore(CentralDatabase.Open(dir.Path)), options, time, NullLogger<StationIdleSweep>.Instance);
        await sweep.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(TimeSpan.FromSeconds(15), sweep.Period);
            time.Advance(sweep.Period - TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, queue.Depth);

            time.Advance(TimeSpan.FromMilliseconds(1));

            // Each shard is offered as its marker arrives; a shard is taken, emptied and released until every one
            // has given its idle check.
            var shards = new Dictionary<int, List<InboundPacket>>();
            while (shards.Count < queue.Shards || shards.Values.Any(items => !ReferenceEquals(items[^1], IngestQueue.IdleCheck)))
            {
                var shard = await queue.TakeShardAsync(CancellationToken.None).AsTask().WaitAsync(IngestRig.Patience);
                var items = shards.TryGetValue(shard, out var known) ? known : shards[shard] = [];
                while (queue.TryDequeue(shard, out var item))
                {
                    items.Add(item);
                }

                queue.Release(shard);
            }

            Assert.Single(shards.Values, items => items.Count == 2 && ReferenceEquals(items[0], packet));
            Assert.Equal(queue.Shards - 1, shards.Values.Count(items => items.Count == 1));
        }
        finally
        {
            await sweep.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ExecuteAsync_PlayLeftOngoingByAGoneSession_IsClosedOnceUntouchedForTwiceTheIdleTime()
    {
        var options = Options.Create(new ServeOptions { IngestWorkers = 1, IdleCloseSeconds = 60 });
        var queue = new IngestQueue(options);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 6, 0, 0, TimeSpan.Zero));
        using var dir = new TempDirectory();
        var store = new SqlitePlayStore(CentralDatabase.Open(dir.Path));
        var start = time.GetUtcNow().AddMinutes(-3);
        var left = new PlayRecord("st1", "st1/100-0-0/1", "song1", start, start.AddSeconds(170), 0.9, 1, "ongoing");
        await store.UpsertAsync([left], time.GetUtcNow(), CancellationToken.None);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sweep = new StationIdleSweep(queue, new ClosingSignal(store, closed), options, time, NullLogger<StationIdleSweep>.Instance);
        await sweep.StartAsync(CancellationToken.None);
        try
        {
            // The idle checks are queued (no worker here takes them); the store's sweep runs beside them.
            for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromSeconds(120); elapsed += sweep.Period)
            {
                time.Advance(sweep.Period);
                Assert.Equal("ongoing", Assert.Single(store.Query("st1", null, null, 10)).Status);
            }

            time.Advance(sweep.Period);
            await closed.Task.WaitAsync(IngestRig.Patience);
            Assert.Equal(left with { Status = "closed" }, Assert.Single(store.Query("st1", null, null, 10)));
        }
        finally
        {
            await sweep.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Signals when a sweep of the store closed something.</summary>
    private sealed class ClosingSignal(IPlayStore inner, TaskCompletionSource closed) : IPlayStore
    {
        public Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.UpsertAsync(plays, now, cancellationToken);

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) =>
            inner.Query(station, from, to, limit, after);

        public IReadOnlyList<PlayRecord> Ongoing(string station) => inner.Ongoing(station);

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => inner.Airplay(station, from, to);

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now)
        {
            var count = inner.CloseAbandoned(untouchedSince, now);
            if (count > 0)
            {
                closed.TrySetResult();
            }

            return count;
        }
    }
}
