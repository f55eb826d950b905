using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
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

    /// <summary>Close the plays of the shard's silent stations.</summary>
    IdleCheck,

    /// <summary>The station was removed: end its session.</summary>
    Revocation,
}

/// <summary>
/// Bounded hand-off from broker callbacks to the ingest workers: callbacks only copy and enqueue. Stations are hashed
/// into many more shards than there are workers; a station always lands on the same shard, and a shard is taken by
/// one worker at a time, which keeps each station's packets in order. Any free worker takes the next shard with
/// packets waiting, so no worker idles while another's stations queue up, and the queue fills only when all of it is
/// behind (one partition per worker let the slower one fill its share and stall the broker's hand-off for both).
/// </summary>
public sealed class IngestQueue
{
    private const int ShardsPerWorker = 8;

    private readonly Shard[] _shards;
    private readonly Channel<int> _ready = Channel.CreateUnbounded<int>();
    private readonly SemaphoreSlim _space;
    private long _depth;
    private readonly long _behindDepth;
    private readonly long _caughtUpDepth;
    private volatile bool _behind;

    public IngestQueue(IOptions<ServeOptions> options)
    {
        var settings = options.Value;
        Workers = settings.IngestWorkers > 0 ? settings.IngestWorkers : Environment.ProcessorCount;
        var capacity = Math.Max(16, settings.IngestQueueCapacity);
        _behindDepth = capacity / 2;
        _caughtUpDepth = capacity / 32;
        _space = new SemaphoreSlim(capacity, capacity);
        _shards = new Shard[Workers * ShardsPerWorker];
        for (var i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }
    }

    /// <summary>Ingest loops taking shards.</summary>
    public int Workers { get; }

    /// <summary>Station shards, each with its own ingest state (see <see cref="IngestWorker"/>).</summary>
    public int Shards => _shards.Length;

    /// <summary>Packets waiting in every shard (control markers not counted).</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>
    /// Whether this instance has fallen behind its stations: from the queue being half full until it is nearly empty
    /// again. One that keeps up holds about a second of its stations' packets at most (under 500 at 2,000 stations);
    /// half the default queue is seconds. Without the way back down to near empty, an instance shedding work to catch up
    /// settled at the threshold, seconds behind for good (a 300 s run at 2,000 stations sat at 4,300-5,700 throughout).
    /// </summary>
    public bool IsBehind
    {
        get
        {
            // Read for every packet by every ingest loop: the shared flag is written only when it changes.
            var behind = _behind;
            var depth = Depth;
            if (behind ? depth <= _caughtUpDepth : depth >= _behindDepth)
            {
                _behind = behind = !behind;
            }

            return behind;
        }
    }

    /// <summary>Queues a station's packet; waits while the queue is full (back-pressure on the broker).</summary>
    public async ValueTask EnqueueAsync(InboundPacket packet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(packet);
        await _space.WaitAsync(cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _depth);
        Push(ShardOf(packet.ClientStation), packet);
    }

    /// <summary>
    /// Waits for a shard with packets waiting and reserves it for the caller: no other worker gets it until
    /// <see cref="Release"/>.
    /// </summary>
    public ValueTask<int> TakeShardAsync(CancellationToken cancellationToken) => _ready.Reader.ReadAsync(cancellationToken);

    /// <summary>The shard's next packet or marker, in the order queued.</summary>
    public bool TryDequeue(int shard, [NotNullWhen(true)] out InboundPacket? packet)
    {
        if (!_shards[shard].Items.TryDequeue(out packet))
        {
            return false;
        }

        if (packet.Kind == InboundKind.Packet)
        {
            Interlocked.Decrement(ref _depth);
            _space.Release();
        }

        return true;
    }

    /// <summary>Ends a worker's turn on a shard taken with <see cref="TakeShardAsync"/>; it is offered again if not empty.</summary>
    public void Release(int shard)
    {
        var state = _shards[shard];
        // A full fence: a packet queued while the shard was taken did not offer it, so it must be seen here and offered.
        Interlocked.Exchange(ref state.Taken, 0);
        if (!state.Items.IsEmpty)
        {
            Offer(shard, state);
        }
    }

    /// <summary>The marker <see cref="RequestIdleCheckAsync"/> queues; never a station's packet.</summary>
    internal static InboundPacket IdleCheck { get; } = new(string.Empty, string.Empty, [], InboundKind.IdleCheck);

    /// <summary>
    /// Queues an idle check behind the packets waiting in every shard, so each shard's silent stations have their plays
    /// closed by the worker holding that shard (<see cref="IngestWorker.CloseIdleStations"/>). Markers take no room.
    /// </summary>
    public Task RequestIdleCheckAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        for (var shard = 0; shard < _shards.Length; shard++)
        {
            Push(shard, IdleCheck);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Queues the end of a removed station's session behind its packets already waiting, on the shard that owns it
    /// (<see cref="IngestWorker.Revoke"/>).
    /// </summary>
    public ValueTask RequestRevocationAsync(string station, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Push(ShardOf(station), new InboundPacket(station, station, [], InboundKind.Revocation));
        return ValueTask.CompletedTask;
    }

    // String hashes are randomised per process, which is fine: shards only live as long as the process.
    internal int ShardOf(string station) => (int)((uint)StringComparer.Ordinal.GetHashCode(station) % (uint)_shards.Length);

    private void Push(int shard, InboundPacket item)
    {
        var state = _shards[shard];
        state.Items.Enqueue(item);
        Offer(shard, state);
    }

    private void Offer(int shard, Shard state)
    {
        if (Interlocked.CompareExchange(ref state.Taken, 1, 0) == 0)
        {
            _ready.Writer.TryWrite(shard);
        }
    }

    private sealed class Shard
    {
        public readonly ConcurrentQueue<InboundPacket> Items = new();

        /// <summary>1 while the shard is offered to the workers or held by one.</summary>
        public int Taken;
    }
}
