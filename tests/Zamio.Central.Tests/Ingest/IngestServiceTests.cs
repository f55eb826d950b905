using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

public class IngestServiceTests
{
    [Fact]
    public async Task ExecuteAsync_StationStopsThenResumes_SweepClosesThePlayAndTheSameRowCarriesOn()
    {
        await using var rig = await IngestRig.StartAsync();
        var options = Options.Create(new ServeOptions { IngestWorkers = 1, IdleCloseSeconds = 120 });
        var queue = new IngestQueue(options);
        // A station of the same shard: one loop at a time takes a shard's packets in order, so when this one's packet
        // reaches the limiter, the stream before it is ingested (and accepted at the fake clock's current time).
        var barrier = Enumerable.Range(0, 1000).Select(i => $"st-barrier{i}").First(s => queue.ShardOf(s) == queue.ShardOf(IngestRig.Station));
        rig.Stations.Add(barrier);
        var limiter = new BarrierLimiter(rig.Limiter, barrier);
        using var ingest = new IngestService(queue, rig.Catalog, rig.Plays, rig.Stations, rig.Activity, limiter, rig.Time, options, NullLogger<IngestService>.Instance);
        using var sweep = new StationIdleSweep(queue, rig.Backend, options, rig.Time, NullLogger<StationIdleSweep>.Instance);
        await ingest.StartAsync(CancellationToken.None);
        await sweep.StartAsync(CancellationToken.None);
        try
        {
            await EnqueueAsync(queue, rig, 0, 12);
            await queue.EnqueueAsync(IngestRig.Inbound(StationFeed.Packets(barrier, SyntheticSong.Silence(2))[0]), CancellationToken.None);
            await limiter.Reached.Task.WaitAsync(IngestRig.Patience);
            var ongoing = Assert.Single(await rig.StoredAsync());
            Assert.Equal("ongoing", ongoing.Status);

            var closing = rig.Backend.NextWriteAsync(p => p.Station == IngestRig.Station && p.Status == "closed");
            for (var i = 0; i < 4; i++)
            {
                rig.Time.Advance(sweep.Period); // the idle time, one sweep at a time
            }

            await closing;
            Assert.Equal(ongoing with { Status = "closed" }, Assert.Single(await rig.StoredAsync()));

            var resuming = rig.Backend.NextWriteAsync(p => p.Station == IngestRig.Station && p.Status == "ongoing" && p.End > ongoing.End);
            await EnqueueAsync(queue, rig, 12, 16);
            await resuming;

            var resumed = Assert.Single(await rig.StoredAsync());
            Assert.Equal((ongoing.PlayKey, ongoing.Start, "ongoing"), (resumed.PlayKey, resumed.Start, resumed.Status));
            Assert.True(resumed.End > ongoing.End, $"end {resumed.End:O} should pass {ongoing.End:O}");
        }
        finally
        {
            await sweep.StopAsync(CancellationToken.None);
            await ingest.StopAsync(CancellationToken.None);
        }
    }

    private static async Task EnqueueAsync(IngestQueue queue, IngestRig rig, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            await queue.EnqueueAsync(IngestRig.Inbound(rig.Packets[i]), CancellationToken.None);
        }
    }

    /// <summary>Lets every packet through and reports when one from <paramref name="barrier"/> gets this far.</summary>
    private sealed class BarrierLimiter(IStationRateLimiter inner, string barrier) : IStationRateLimiter
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsShared => inner.IsShared;

        public ValueTask<RateLimitVerdict> CheckAsync(string station, int peaks, int supportPeaks)
        {
            if (station == barrier)
            {
                Reached.TrySetResult();
            }

            return inner.CheckAsync(station, peaks, supportPeaks);
        }
    }
}
