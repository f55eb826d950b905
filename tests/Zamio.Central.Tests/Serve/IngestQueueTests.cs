using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Serve;

public class IngestQueueTests
{
    [Fact]
    public async Task EnqueueAsync_ManyStations_EachStationInOnePartitionInOrder()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions { IngestWorkers = 3, IngestQueueCapacity = 3000 }));
        for (var sequence = 0; sequence < 10; sequence++)
        {
            for (var s = 0; s < 40; s++)
            {
                await queue.EnqueueAsync(new InboundPacket($"st{s}", $"st{s}", [(byte)sequence]), CancellationToken.None);
            }
        }

        Assert.Equal(400, queue.Depth);
        var owner = new Dictionary<string, int>();
        var used = new HashSet<int>();
        for (var p = 0; p < queue.Partitions; p++)
        {
            var last = new Dictionary<string, int>();
            while (queue.Reader(p).TryRead(out var packet))
            {
                Assert.Equal(p, owner.TryAdd(packet.ClientStation, p) ? p : owner[packet.ClientStation]);
                Assert.True(packet.Payload[0] > last.GetValueOrDefault(packet.ClientStation, -1), "packets of a station stay in order");
                last[packet.ClientStation] = packet.Payload[0];
                used.Add(p);
            }
        }

        Assert.Equal(3, queue.Partitions);
        Assert.Equal(3, used.Count);
        Assert.Equal(40, owner.Count);
        Assert.Equal(0, queue.Depth);
    }

    [Fact]
    public void Constructor_NoWorkerCount_OnePartitionPerCore()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions()));

        Assert.Equal(Environment.ProcessorCount, queue.Partitions);
    }
}
