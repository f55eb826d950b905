namespace Zamio.Central.Ingest;

/// <summary>
/// Puts one instance's packets of each station back in sequence order before the ingest loop sees them. With an
/// external broker a station's packets reach the owning instance two ways (directly through the shared subscription,
/// or forwarded by the instance that received them), so a later packet can overtake an earlier one; the ingest loop
/// drops anything at or below the highest sequence seen, so order matters. A packet after a gap waits at most the
/// window, counted from its own arrival, for the gap to fill; then it and the run behind it go on, and the next gap
/// gets its own window. (Counting from when the first packet started waiting would give packets of a burst less:
/// those forwarded late in a spool replay were dropped as duplicates.) The first packets of a station also wait one
/// window (an earlier one may still be on its way). Not thread-safe: one router task owns it.
/// </summary>
public sealed class ExternalBrokerSequencer(TimeSpan window, TimeProvider time)
{
    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);
    private int _pending;

    /// <summary>
    /// Called for a second copy of a packet that is still waiting: it is dropped here (releasing it would overtake
    /// the gap), so whoever tracks deliveries can settle it.
    /// </summary>
    public Action<string, byte[]>? Discarded { get; init; }

    /// <summary>Whether packets are waiting (the router then wakes up periodically to expire them).</summary>
    public bool HasPending => _pending > 0;

    /// <summary>
    /// Adds a packet; appends whatever may go to the ingest loop now, in order, to <paramref name="release"/>.
    /// <paramref name="streamStart"/> (<see cref="FingerprintPacket.StreamStartUnixMicros"/>) tells a restarted agent's
    /// stream, whose sequence numbers may start again, from the one before.
    /// </summary>
    public void Add(string station, ulong? sequence, byte[] payload, List<InboundPacket> release, long streamStart = 0)
    {
        if (sequence is not { } seq || window <= TimeSpan.Zero)
        {
            // Undecodable packets go straight on: the ingest loop rejects and counts them.
            release.Add(new InboundPacket(station, station, payload));
            return;
        }

        var now = time.GetTimestamp();
        if (!_states.TryGetValue(station, out var state))
        {
            state = new State { StreamStart = streamStart };
            _states[station] = state;
        }
        else if (streamStart < state.StreamStart && time.GetElapsedTime(state.LastArrival, now) < IngestWorker.StreamTakeoverSilence)
        {
            // An earlier stream's late packet: the ingest loop counts it as a duplicate.
            release.Add(new InboundPacket(station, station, payload));
            return;
        }
        else if (streamStart != state.StreamStart)
        {
            // A younger stream, or an older one after the current one went quiet (the ingest loop lets it take the
            // station over then: a reinstalled agent replaying an earlier day): what waited of the old one goes on
            // first, then the new one is sequenced from its own numbers.
            foreach (var (_, (waiting, _)) in state.Buffer)
            {
                release.Add(new InboundPacket(station, station, waiting));
            }

            _pending -= state.Buffer.Count;
            state.Buffer.Clear();
            state.Next = null;
            state.StreamStart = streamStart;
        }

        state.LastArrival = now;
        if (state.Next is not { } next)
        {
            Buffer(station, state, seq, payload, now);
            return;
        }

        if (seq < next)
        {
            // A redelivery or a packet older than a gap we gave up on: the ingest loop counts it as a duplicate.
            release.Add(new InboundPacket(station, station, payload));
            return;
        }

        if (seq > next)
        {
            Buffer(station, state, seq, payload, now);
            return;
        }

        release.Add(new InboundPacket(station, station, payload));
        state.Next = seq + 1;
        Drain(station, state, release, now);
    }

    /// <summary>Releases packets that waited a whole window for a gap to fill.</summary>
    public void Expire(List<InboundPacket> release)
    {
        if (_pending == 0)
        {
            return;
        }

        var now = time.GetTimestamp();
        foreach (var (station, state) in _states)
        {
            Drain(station, state, release, now);
        }
    }

    private void Buffer(string station, State state, ulong seq, byte[] payload, long now)
    {
        if (state.Buffer.TryAdd(seq, (payload, now)))
        {
            _pending++;
        }
        else
        {
            Discarded?.Invoke(station, payload);
        }
    }

    /// <summary>Releases, in order, the buffered packets that are next in sequence or have waited their window.</summary>
    private void Drain(string station, State state, List<InboundPacket> release, long now)
    {
        while (state.Buffer.Count > 0)
        {
            var (first, (payload, arrived)) = state.Buffer.First();
            if (first > state.Next || state.Next is null)
            {
                if (time.GetElapsedTime(arrived, now) < window)
                {
                    return;
                }

                // Waited its window: the gap before it is given up on.
                state.Next = first;
            }

            // Next in sequence, or buffered before a gap was given up on (older than what went on).
            release.Add(new InboundPacket(station, station, payload));
            state.Next = Math.Max(state.Next!.Value, first + 1);
            state.Buffer.Remove(first);
            _pending--;
        }
    }

    private sealed class State
    {
        public SortedDictionary<ulong, (byte[] Payload, long Arrived)> Buffer { get; } = [];

        public ulong? Next { get; set; }

        public long StreamStart { get; set; }

        /// <summary>When a packet of <see cref="StreamStart"/> last arrived.</summary>
        public long LastArrival { get; set; }
    }
}
