using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class IngestQueueTests
{
    [Fact]
    public async Task IsBehind_QueueFillingUp_TrueFromHalfFull()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions { IngestQueueCapacity = 16 }));
        var behind = new List<bool>();
        for (var i = 0; i < 10; i++)
        {
            await queue.EnqueueAsync(new InboundPacket($"st{i}", $"st{i}", [1]), CancellationToken.None);
            behind.Add(queue.IsBehind);
        }

        Assert.Equal<bool>([false, false, false, false, false, false, false, true, true, true], behind);
    }

    [Fact]
    public async Task IsBehind_DrainingAfterFallingBehind_TrueUntilNearlyEmpty()
    {
        var queue = new IngestQueue(Options.Create(new ServeOptions { IngestQueueCapacity = 64, IngestWorkers = 1 }));
        for (var i = 0; i < 40; i++)
        {
            await queue.EnqueueAsync(new InboundPacket("st", "st", [1]), CancellationToken.None);
        }

        Assert.True(queue.IsBehind);
        var behind = new List<bool>();
        var shard = await queue.TakeShardAsync(CancellationToken.None);
        while (queue.TryDequeue(shard, out _))
        {
            behind.Add(queue.IsBehind);
        }

        // Behind until two packets are left (64 / 32), not from the moment it is under half full.
        Assert.Equal(40, behind.Count);
        Assert.All(behind[..37], Assert.True);
        Assert.All(behind[37..], Assert.False);
    }
}
