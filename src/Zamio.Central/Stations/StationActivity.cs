using System.Collections.Concurrent;

namespace Zamio.Central.Stations;

/// <summary>What central has seen of each station since it started: connection state, last packet, drops.</summary>
public sealed class StationActivity(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Connected(string station) => Get(station).Online = true;

    public void Disconnected(string station) => Get(station).Online = false;

    public void PacketAccepted(string station)
    {
        var entry = Get(station);
        entry.LastPacket = time.GetUtcNow();
        Interlocked.Increment(ref entry.Accepted);
    }

    /// <summary>Counts a rejected packet; returns true the first time this station has a rejection (log once).</summary>
    public bool PacketRejected(string station) => Interlocked.Increment(ref Get(station).Rejected) == 1;

    public void Duplicate(string station) => Interlocked.Increment(ref Get(station).Duplicates);

    public StationState State(string station) =>
        _entries.TryGetValue(station, out var e)
            ? new StationState(station, e.Online, e.LastPacket, Interlocked.Read(ref e.Accepted), Interlocked.Read(ref e.Rejected), Interlocked.Read(ref e.Duplicates))
            : new StationState(station, false, null, 0, 0, 0);

    public IEnumerable<string> Known => _entries.Keys;

    private Entry Get(string station) => _entries.GetOrAdd(station, static _ => new Entry());

    private sealed class Entry
    {
        public long Accepted;
        public long Rejected;
        public long Duplicates;

        public volatile bool Online;

        public DateTimeOffset? LastPacket { get; set; }
    }
}

public sealed record StationState(string Station, bool Online, DateTimeOffset? LastPacket, long Accepted, long Rejected, long Duplicates);
