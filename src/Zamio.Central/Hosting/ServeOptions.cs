using System.ComponentModel.DataAnnotations;

namespace Zamio.Central.Hosting;

/// <summary>Settings of <c>serve</c>; validated when the host starts.</summary>
public sealed class ServeOptions
{
    public const string Section = "Zamio";

    [Required]
    public string DataDirectory { get; set; } = "zamio-data";

    [Required]
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Embedded broker port; 0 disables the embedded broker.</summary>
    [Range(0, 65535)]
    public int MqttPort { get; set; } = 1883;

    /// <summary>Packets waiting for the ingest loop; when full, the broker waits before acknowledging (QoS 1 back-pressure).</summary>
    [Range(16, 1_000_000)]
    public int IngestQueueCapacity { get; set; } = 10_000;

    /// <summary>Ingest loops matching packets, each taking whichever station shard has packets waiting; 0 means one per core.</summary>
    [Range(0, 256)]
    public int IngestWorkers { get; set; }

    /// <summary>
    /// A station that has sent no accepted packet for this long has its ongoing plays written as closed at their last
    /// evidence; a resumed stream carries the same plays on. Checked every quarter of this period.
    /// </summary>
    [Range(10, 86_400)]
    public int IdleCloseSeconds { get; set; } = 120;

    /// <summary>Largest clip accepted by <c>POST /api/v1/identify</c>.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxClipBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Most audio a clip (identify, the mobile upload) may hold: 5 MB of low-bitrate audio can be hours.</summary>
    [Range(10, 3600)]
    public int MaxClipSeconds { get; set; } = 120;

    /// <summary>Identify requests decoded and matched at once (0: one per core); needs no key, so it is bounded.</summary>
    [Range(0, 1024)]
    public int IdentifyConcurrency { get; set; }

    /// <summary>Identify requests waiting for their turn; past that, 429 with <c>Retry-After</c>.</summary>
    [Range(0, 10_000)]
    public int IdentifyQueue { get; set; } = 16;

    /// <summary>
    /// How often the station list is re-read so a removed station, or one given a new key, is disconnected from the
    /// embedded broker and a removed one's packets are refused (also when the change came from another process).
    /// </summary>
    [Range(1, 3600)]
    public int StationCheckSeconds { get; set; } = 5;

    /// <summary>How often the embedded broker tells stations whose rejections or drops changed (<c>status/central</c>).</summary>
    [Range(1, 3600)]
    public int StatusIntervalSeconds { get; set; } = 10;
}
