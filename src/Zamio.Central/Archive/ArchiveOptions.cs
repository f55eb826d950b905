using System.ComponentModel.DataAnnotations;

namespace Zamio.Central.Archive;

/// <summary>
/// The fingerprint archive (<c>Zamio:Archive</c>): every packet central matched, kept per station and day so that
/// <c>rematch</c> can look for a track added to the catalogue after it was on air. Validated when the host starts.
/// </summary>
public sealed class ArchiveOptions
{
    public const string Section = "Zamio:Archive";

    /// <summary>Days of packets kept (about 30 MB per station and day); 0 turns the archive off.</summary>
    [Range(0, 3660)]
    public int Days { get; set; } = 7;

    /// <summary>
    /// Most the archive may hold, in GB: past it the oldest days go first, before their time (a warning says so); 0 for
    /// no cap. About 29 MB per station and day, so 2,000 stations fill 100 GB in under two days.
    /// </summary>
    [Range(0, 1_000_000)]
    public double MaxGigabytes { get; set; } = 100;

    /// <summary>Where the archive lives; by default <c>archive</c> under the data directory. Instances that share
    /// stations should share it too, or each <c>rematch</c> reads every instance's with <c>--archive</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>Packets waiting to be written; past that they are dropped from the archive (counted), never from matching.</summary>
    [Range(1024, 10_000_000)]
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>How often waiting packets are appended to their files: one open per station and period, not per packet.</summary>
    [Range(1, 300)]
    public int FlushSeconds { get; set; } = 10;

    /// <summary>Threads a rematch asked for over HTTP matches on; the rest of the machine stays with live ingest.</summary>
    [Range(1, 64)]
    public int RematchThreads { get; set; } = 1;

    public string ResolveDirectory(string dataDirectory) =>
        string.IsNullOrWhiteSpace(Directory) ? Path.Combine(dataDirectory, "archive") : Directory;
}
