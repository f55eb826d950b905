using System.ComponentModel.DataAnnotations;

namespace Zamio.Central.Caching;

/// <summary>
/// Redis settings (section <c>Zamio:Redis</c>); Redis itself is enabled by <c>ConnectionStrings:Redis</c>
/// (StackExchange.Redis syntax, e.g. <c>127.0.0.1:6379</c>).
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Zamio:Redis";

    public const string ConnectionName = "Redis";

    /// <summary>Prefix of every key and channel, so several deployments (or test runs) can share one Redis.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.:-]{1,64}$")]
    public string KeyPrefix { get; set; } = "zamio";

    [Range(100, 60_000)]
    public int ConnectTimeoutMilliseconds { get; set; } = 2_000;

    /// <summary>How often each instance compares its catalogue version with Redis (catches missed notifications).</summary>
    [Range(100, 600_000)]
    public int VersionCheckMilliseconds { get; set; } = 5_000;

    /// <summary>Whether instances share the built index as a snapshot (loaded at start, rewritten after changes).</summary>
    public bool IndexSnapshots { get; set; } = true;

    /// <summary>
    /// Size of one snapshot value (Redis caps a value at 512 MB). 4 MiB loaded a 1,000-hour snapshot about twice as
    /// fast as 16 MiB here (docs/perf-central.md, section 3); far smaller values add per-command overhead.
    /// </summary>
    [Range(4_096, 256 * 1024 * 1024)]
    public int SnapshotChunkBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Quiet time after the last catalogue change before the snapshot is rewritten (one write per burst).</summary>
    [Range(0, 600_000)]
    public int SnapshotDebounceMilliseconds { get; set; } = 5_000;

    /// <summary>Timeout of one snapshot transfer command, on a connection of its own.</summary>
    [Range(1_000, 600_000)]
    public int SnapshotTimeoutMilliseconds { get; set; } = 60_000;
}

/// <summary>
/// Per-station limits (section <c>Zamio:RateLimits</c>), enforced in Redis across instances when it is configured and
/// reachable, otherwise per instance. Zero disables a limit. A live station sends 30 packets, about 1,200 peaks and
/// 8,000-19,000 support peaks a minute; the defaults leave room for an agent draining a day's spool at over 300× real
/// time (what it reaches over a 100 ms link), because a packet dropped here is a play lost. They stop floods, not
/// catch-up.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Zamio:RateLimits";

    /// <summary>Packets per fixed minute window (agents send one every 2 s; spool replay sends faster).</summary>
    [Range(0, 1_000_000)]
    public int PacketsPerMinute { get; set; } = 12_000;

    /// <summary>Peaks per second, averaged over <see cref="PeakWindowSeconds"/> (live audio yields about 20).</summary>
    [Range(0, 1_000_000)]
    public int PeaksPerSecond { get; set; } = 8_000;

    /// <summary>
    /// Support peaks per second, averaged over <see cref="PeakWindowSeconds"/>. Live audio yields about 140 (music) to
    /// 310 (noise); like <see cref="PeaksPerSecond"/> this leaves room for a day's spool drained at 300× real time
    /// (93,000 a second of noise).
    /// </summary>
    [Range(0, 10_000_000)]
    public int SupportPeaksPerSecond { get; set; } = 100_000;

    [Range(1, 3600)]
    public int PeakWindowSeconds { get; set; } = 10;
}
