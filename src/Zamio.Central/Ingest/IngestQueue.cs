using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;

namespace Zamio.Central.Ingest;

/// <summary>A fingerprint payload that passed the broker's ACL, waiting for the ingest loop (or a control marker).</summary>
public sealed record InboundPacket(string ClientStation, string TopicStation, byte[] Payload, InboundKind Kind = InboundKind.Packet);

/// <summary>What an <see cref="InboundPacket"/> asks of the ingest loop.</summary>
public enum InboundKind
{
    Packet,

    /// <summary>Close the plays of the partition's silent stations.</summary>
    IdleCheck,

    /// <summary>The station was removed: end its session.</summary>
    Revocation,
}

/// <summary>
/// Bounded hand-off from broker callbacks to the ingest workers: callbacks only copy and enqueue. One partition
/// per worker; a station always maps to the same partition, which keeps its packets in order.
/// </summary>
public sealed class IngestQueue
{
    private readonly Channel<InboundPacket>[] _partitions;

    public IngestQueue(IOptions<ServeOptions> options)
    {
        var settings = options.Value;
        var count = settings.IngestWorkers > 0 ? settings.IngestWorkers : Environment.ProcessorCount;
        var capacity = Math.Max(16, settings.IngestQueueCapacity / count);
        _partitions = new Channel<InboundPacket>[count];
        for (var i = 0; i < count; i++)
        {
            _partitions[i] = Channel.CreateBounded<InboundPacket>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }
    }

    public int Partitions => _partitions.Length;

    /// <summary>Packets waiting in every partition.</summary>
    public long Depth => _partitions.Sum(p => (long)p.Reader.Count);

    public ChannelReader<InboundPacket> Reader(int partition) => _partitions[partition].Reader;

    public ValueTask EnqueueAsync(InboundPacket packet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return _partitions[PartitionOf(packet.ClientStation)].Writer.WriteAsync(packet, cancellationToken);
    }

    /// <summary>The marker <see cref="RequestIdleCheckAsync"/> queues; never a station's packet.</summary>
    internal static InboundPacket IdleCheck { get; } = new(string.Empty, string.Empty, [], InboundKind.IdleCheck);

    /// <summary>
    /// Queues an idle check behind the packets waiting in every partition, so each worker closes its silent stations'
    /// plays on its own thread (<see cref="IngestWorker.CloseIdleStations"/>).
    /// </summary>
    public async Task RequestIdleCheckAsync(CancellationToken cancellationToken)
    {
        foreach (var partition in _partitions)
        {
            await partition.Writer.WriteAsync(IdleCheck, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues the end of a removed station's session behind its packets already waiting, on the partition that owns it
    /// (<see cref="IngestWorker.Revoke"/>).
    /// </summary>
    public ValueTask RequestRevocationAsync(string station, CancellationToken cancellationToken) =>
        EnqueueAsync(new InboundPacket(station, station, [], InboundKind.Revocation), cancellationToken);

    // String hashes are randomised per process, which is fine: partitions only live as long as the process.
    private int PartitionOf(string station) => (int)((uint)StringComparer.Ordinal.GetHashCode(station) % (uint)_partitions.Length);
}
