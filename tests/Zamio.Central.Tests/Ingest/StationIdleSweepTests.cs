using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class StationIdleSweepTests
{
    [Fact]
    public async Task ExecuteAsync_APeriodPasses_QueuesAnIdleCheckBehindThePacketsOfEveryPartition()
    {
        var options = Options.Create(new ServeOptions { IngestWorkers = 3, IdleCloseSeconds = 60 });
        var queue = new IngestQueue(options);
        var time = new FakeTimeProvider();
        var packet = new InboundPacket("st1", "st1", [1]);
        await queue.EnqueueAsync(packet, CancellationToken.None);
        using var sweep = new StationIdleSweep(queue, options, time);
        await sweep.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(TimeSpan.FromSeconds(15), sweep.Period);
            time.Advance(sweep.Period - TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, queue.Depth);

            time.Advance(TimeSpan.FromMilliseconds(1));

            var partitions = new List<List<InboundPacket>>();
            for (var p = 0; p < queue.Partitions; p++)
            {
                var items = new List<InboundPacket>();
                do
                {
                    items.Add(await queue.Reader(p).ReadAsync().AsTask().WaitAsync(IngestRig.Patience));
                }
                while (!ReferenceEquals(items[^1], IngestQueue.IdleCheck));

                partitions.Add(items);
            }

            Assert.Single(partitions, items => items.Count == 2 && ReferenceEquals(items[0], packet));
            Assert.Equal(queue.Partitions - 1, partitions.Count(items => items.Count == 1));
        }
        finally
        {
            await sweep.StopAsync(CancellationToken.None);
        }
    }
}
