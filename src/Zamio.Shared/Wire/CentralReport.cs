using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zamio.Shared.Wire;

/// <summary>
/// What one central instance tells a station about its packets on <c>zamio/v1/stations/{id}/status/central</c>
/// (<see cref="Topics.CentralStatus"/>): totals since that instance started, and the latest refusal with its reason.
/// Central sends one only when the station's rejections or drops changed, so it is never retained.
/// </summary>
public sealed record CentralReport(
    string Instance,
    DateTimeOffset At,
    long Accepted,
    long Rejected,
    long Duplicates,
    IReadOnlyDictionary<string, long>? Drops)
{
    /// <summary>Larger report payloads are not read.</summary>
    public const int MaxBytes = 4096;

    /// <summary>The latest packet this instance refused of the station; null until one was.</summary>
    public PacketRejection? LastRejection { get; init; }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, WireJsonContext.Default.CentralReport);

    /// <summary>Parses a report as an MQTT message carries it; false for anything oversized, not JSON, or without an instance.</summary>
    public static bool TryParse(ReadOnlySequence<byte> utf8, [NotNullWhen(true)] out CentralReport? report)
    {
        report = null;
        if (utf8.IsEmpty || utf8.Length > MaxBytes)
        {
            return false;
        }

        try
        {
            report = utf8.IsSingleSegment
                ? JsonSerializer.Deserialize(utf8.FirstSpan, WireJsonContext.Default.CentralReport)
                : JsonSerializer.Deserialize(utf8.ToArray(), WireJsonContext.Default.CentralReport);
        }
        catch (JsonException)
        {
            return false;
        }

        // JSON without the field leaves the non-nullable instance null.
        if (report is not { Instance.Length: > 0 } || (report.LastRejection is { } last && (string.IsNullOrEmpty(last.Reason) || last.Detail is null)))
        {
            report = null;
            return false;
        }

        return true;
    }
}

/// <summary>
/// Why central refused a packet: a stable <see cref="Reason"/> code (one of <see cref="RejectReasons"/>), the human
/// <see cref="Detail"/>, and when (central's clock). <see cref="Instance"/> names the instance where the agent reports
/// it in its own status; central's report carries the instance once, at its top.
/// </summary>
public sealed record PacketRejection(string Reason, string Detail, DateTimeOffset At)
{
    /// <summary>Details are cut to this many characters, so a report and an agent status stay small.</summary>
    public const int MaxDetailLength = 200;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Instance { get; init; }

    /// <summary>Reason codes are short; a longer one is cut to this.</summary>
    public const int MaxReasonLength = 64;

    /// <summary>A rejection with its reason and detail cut to <see cref="MaxReasonLength"/> and <see cref="MaxDetailLength"/>.</summary>
    public static PacketRejection Create(string reason, string detail, DateTimeOffset at) =>
        new(WireText.Shorten(reason, MaxReasonLength), WireText.Shorten(detail, MaxDetailLength), at);
}

/// <summary>
/// The stable reason codes of refused packets: the <c>reason</c> label of central's rejection metrics, and
/// <see cref="PacketRejection.Reason"/> in central's reports, its HTTP problems (<c>"reason"</c>) and the agent's status.
/// </summary>
public static class RejectReasons
{
    public const string Malformed = "malformed";
    public const string Oversized = "oversized";
    public const string StationMismatch = "station_mismatch";
    public const string ForbiddenTopic = "forbidden_topic";
    public const string AlgorithmVersion = "algorithm_version";
    public const string IndexNotLoaded = "index_not_loaded";
    public const string OutsideSession = "outside_session";
    public const string RateLimited = "rate_limited";

    /// <summary>The station is not (or no longer) registered at central.</summary>
    public const string UnknownStation = "unknown_station";

    /// <summary>The stream's start is too far ahead of central's clock (a wrong clock or <c>--start-time</c>).</summary>
    public const string ClockAhead = "clock_ahead";

    /// <summary>A status message that is not the station's own valid status JSON.</summary>
    public const string MalformedStatus = "malformed_status";

    /// <summary>The detail of an <see cref="Oversized"/> refusal of a payload of <paramref name="bytes"/> bytes.</summary>
    public static string DescribeOversized(long bytes) => $"a {bytes}-byte payload; a packet is at most {FingerprintPacket.MaxPacketSize} bytes";
}

/// <summary>
/// Reasons central drops a well-formed packet of a station (over its rate limits): the keys of
/// <see cref="CentralReport.Drops"/> and the <c>reason</c> label of central's drop metrics.
/// </summary>
public static class DropReasons
{
    public const string PacketsPerMinute = "rate-limit-packets";
    public const string PeaksPerSecond = "rate-limit-peaks";
    public const string SupportPeaksPerSecond = "rate-limit-support";

    /// <summary>What a drop reason means, for people.</summary>
    public static string Describe(string reason) => reason switch
    {
        PacketsPerMinute => "over the station's packets-per-minute limit at central",
        PeaksPerSecond => "over the station's peaks-per-second limit at central",
        SupportPeaksPerSecond => "over the station's support-peaks-per-second limit at central",
        _ => "dropped at central",
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CentralReport))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
