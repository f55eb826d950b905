using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

internal static class IngestQueueDrain
{
    /// <summary>Everything queued now, shard by shard, each shard's items in order; waits for nothing.</summary>
    public static List<InboundPacket> Drain(this IngestQueue queue)
    {
        var items = new List<InboundPacket>();
        for (var shard = 0; shard < queue.Shards; shard++)
        {
            while (queue.TryDequeue(shard, out var item))
            {
                items.Add(item);
            }
        }

        return items;
    }
}
