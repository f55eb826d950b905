using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Tests.Ingest;

namespace Zamio.Central.Tests.Serve;

public class IngestQueueTests
{
    [Fact]
    public async Task EnqueueAsync_ManyStations_EachStationInOneShardInOrder()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions { IngestWorkers = 3, IngestQueueCapacity = 3000 }));
        for (var sequence = 0; sequence < 10; sequence++)
        {
            for (var s = 0; s < 100; s++)
            {
                await queue.EnqueueAsync(Packet($"st{s}", sequence), CancellationToken.None);
            }
        }

        Assert.Equal(1000, queue.Depth);
        var owner = new Dictionary<string, int>();
        var used = new HashSet<int>();
        for (var shard = 0; shard < queue.Shards; shard++)
        {
            var last = new Dictionary<string, int>();
            while (queue.TryDequeue(shard, out var packet))
            {
                Assert.Equal(shard, owner.TryAdd(packet.ClientStation, shard) ? shard : owner[packet.ClientStation]);
                Assert.True(packet.Payload[0] > last.GetValueOrDefault(packet.ClientStation, -1), "packets of a station stay in order");
                last[packet.ClientStation] = packet.Payload[0];
                used.Add(shard);
            }
        }

        Assert.Equal(3, queue.Workers);
        Assert.True(used.Count > queue.Workers, $"stations spread over more shards than workers ({used.Count} of {queue.Shards})");
        Assert.Equal(100, owner.Count);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public void Constructor_NoWorkerCount_OneWorkerPerCore()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions()));

        Assert.Equal(Environment.ProcessorCount, queue.Workers);
        Assert.True(queue.Shards > queue.Workers);
    }

    [Fact]
    public async Task TakeShardAsync_ShardHeldByAWorker_OthersGetOtherShardsAndItReturnsOnceReleased()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions { IngestWorkers = 2 }));
        var (busy, other) = TwoStationsInDifferentShards(queue);
        await queue.EnqueueAsync(Packet(busy, 0), CancellationToken.None);
        await queue.EnqueueAsync(Packet(other, 0), CancellationToken.None);

        var held = await queue.TakeShardAsync(CancellationToken.None);
        await queue.EnqueueAsync(Packet(busy, 1), CancellationToken.None); // arrives while its shard is held
        var next = await queue.TakeShardAsync(CancellationToken.None);
        var third = queue.TakeShardAsync(CancellationToken.None).AsTask();

        Assert.Equal((queue.ShardOf(busy), queue.ShardOf(other)), (held, next));
        Assert.False(third.IsCompleted, "a held shard is not offered to a second worker");
        Assert.True(queue.TryDequeue(held, out var first));
        Assert.Equal(0, first.Payload[0]);
        queue.Release(held);
        Assert.Equal(held, await third.WaitAsync(IngestRig.Patience));
        Assert.True(queue.TryDequeue(held, out var second));
        Assert.Equal(1, second.Payload[0]);
    }

    [Fact]
    public async Task EnqueueAsync_QueueFull_WaitsUntilAPacketIsTakenFromAnyShard()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions { IngestWorkers = 2, IngestQueueCapacity = 16 }));
        var (full, other) = TwoStationsInDifferentShards(queue);
        for (var i = 0; i < 16; i++)
        {
            await queue.EnqueueAsync(Packet(full, i), CancellationToken.None);
        }

        var waiting = queue.EnqueueAsync(Packet(other, 0), CancellationToken.None).AsTask();
        await queue.RequestIdleCheckAsync(CancellationToken.None); // control markers take no room

        Assert.False(waiting.IsCompleted, "a full queue holds the broker back");
        Assert.True(queue.TryDequeue(queue.ShardOf(full), out _));
        await waiting.WaitAsync(IngestRig.Patience);
        Assert.Equal(16, queue.Depth);
    }

    private static InboundPacket Packet(string station, int sequence) => new(station, station, [(byte)sequence]);

    private static (string, string) TwoStationsInDifferentShards(IngestQueue queue)
    {
        var first = "st0";
        var second = Enumerable.Range(1, 1000).Select(i => $"st{i}").First(s => queue.ShardOf(s) != queue.ShardOf(first));
        return (first, second);
    }
}
