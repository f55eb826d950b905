using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;

namespace Zamio.Central.Ingest;

/// <summary>A fingerprint payload that passed the broker's ACL, waiting for the ingest loop.</summary>
public sealed record InboundPacket(string ClientStation, string TopicStation, byte[] Payload);

/// <summary>Bounded hand-off from broker callbacks to the ingest loop: callbacks only copy and enqueue.</summary>
public sealed class IngestQueue(IOptions<ServeOptions> options)
{
    private readonly Channel<InboundPacket> _channel = Channel.CreateBounded<InboundPacket>(
        new BoundedChannelOptions(options.Value.IngestQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    public ChannelReader<InboundPacket> Reader => _channel.Reader;

    public ValueTask EnqueueAsync(InboundPacket packet, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(packet, cancellationToken);
}
