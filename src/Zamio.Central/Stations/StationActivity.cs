using System.Collections.Concurrent;
using Zamio.Shared.Wire;

namespace Zamio.Central.Stations;

/// <summary>
/// What central has seen of each station since it started: connection state, last packet, drops, the latest refusal
/// and the agent's own latest status (spool, dead air, audio level). One entry per station heard from.
/// </summary>
public sealed class StationActivity(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _dropTotals = new(StringComparer.Ordinal);

    public void Connected(string station) => Get(station).Online = true;

    public void Disconnected(string station) => Get(station).Online = false;

    public void PacketAccepted(string station)
    {
        var entry = Get(station);
        entry.LastPacket = time.GetUtcNow();
        Interlocked.Increment(ref entry.Accepted);
    }

    /// <summary>
    /// Counts a rejected packet and keeps why as the station's latest rejection (one per station: the reports and the
    /// stations list show the latest). Returns true the first time this station has a rejection for this reason (log it:
    /// at most once per reason, so a station refused for a new reason is still told in the log).
    /// </summary>
    /// <param name="reason">One of <see cref="RejectReasons"/>: a stable code the agent can act on.</param>
    /// <param name="detail">The human explanation; cut to <see cref="PacketRejection.MaxDetailLength"/> characters.</param>
    public bool PacketRejected(string station, string reason, string detail)
    {
        var entry = Get(station);
        entry.LastRejection = PacketRejection.Create(reason, detail, time.GetUtcNow());
        Interlocked.Increment(ref entry.Rejected);
        return entry.RejectedFor.TryAdd(reason, 0);
    }

    public void Duplicate(string station) => Interlocked.Increment(ref Get(station).Duplicates);

    /// <summary>
    /// Takes an agent's status message, published by <paramref name="station"/> (or by the broker as its last will): its
    /// online flag is the connection state an external broker does not show central otherwise.
    /// </summary>
    public void AgentStatus(string station, StationStatus status)
    {
        var entry = Get(station);
        entry.Agent = (status, time.GetUtcNow());
        entry.Online = status.Online;
    }

    /// <summary>Counts a packet dropped for <paramref name="reason"/> (see <see cref="DropReasons"/>); true the first time for this station and reason.</summary>
    public bool Dropped(string station, string reason)
    {
        _dropTotals.AddOrUpdate(reason, 1, static (_, n) => n + 1);
        return Get(station).Drops.AddOrUpdate(reason, 1, static (_, n) => n + 1) == 1;
    }

    /// <summary>Dropped packets by reason, over all stations.</summary>
    public IReadOnlyDictionary<string, long> DropTotals => _dropTotals.ToDictionary(StringComparer.Ordinal);

    /// <summary>One station's dropped packets by reason.</summary>
    public IReadOnlyDictionary<string, long> Drops(string station) =>
        _entries.TryGetValue(station, out var e) ? e.Drops.ToDictionary(StringComparer.Ordinal) : new Dictionary<string, long>();

    public StationState State(string station) =>
        _entries.TryGetValue(station, out var e)
            ? new StationState(station, e.Online, e.LastPacket, Interlocked.Read(ref e.Accepted), Interlocked.Read(ref e.Rejected), Interlocked.Read(ref e.Duplicates))
            {
                Dropped = e.Drops.Values.Sum(),
                Agent = e.Agent?.Status,
                AgentSeen = e.Agent?.Received,
                LastRejection = e.LastRejection,
            }
            : new StationState(station, false, null, 0, 0, 0);

    public IEnumerable<string> Known => _entries.Keys;

    private Entry Get(string station) => _entries.GetOrAdd(station, static _ => new Entry());

    private sealed class Entry
    {
        public long Accepted;
        public long Rejected;
        public long Duplicates;

        public volatile bool Online;

        public ConcurrentDictionary<string, long> Drops { get; } = new(StringComparer.Ordinal);

        /// <summary>Reasons this station was refused for (a fixed, small set of codes).</summary>
        public ConcurrentDictionary<string, byte> RejectedFor { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset? LastPacket { get; set; }

        // Replaced whole (a reference write), so a reader never sees one rejection's reason with another's detail.
        public PacketRejection? LastRejection { get; set; }

        public (StationStatus Status, DateTimeOffset Received)? Agent { get; set; }
    }
}

public sealed record StationState(string Station, bool Online, DateTimeOffset? LastPacket, long Accepted, long Rejected, long Duplicates)
{
    /// <summary>Packets dropped by the rate limits, all reasons.</summary>
    public long Dropped { get; init; }

    /// <summary>The agent's latest status message, if one arrived since central started.</summary>
    public StationStatus? Agent { get; init; }

    /// <summary>When central received <see cref="Agent"/>: the agent's last heartbeat.</summary>
    public DateTimeOffset? AgentSeen { get; init; }

    /// <summary>The latest packet refused of this station, if any since central started.</summary>
    public PacketRejection? LastRejection { get; init; }
}
