using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zamio.Shared.Wire;

/// <summary>
/// An agent's status, retained on <c>zamio/v1/stations/{id}/status</c> (JSON; the broker publishes the offline one as
/// the agent's last will). Central reads it for the stations API.
/// </summary>
public sealed record StationStatus(
    bool Online,
    string StationId,
    DateTimeOffset Time,
    string AgentVersion,
    int AlgorithmVersion,
    string? Source,
    double? AudioLevelDbfs,
    bool DeadAir,
    long CaptureErrors,
    string? LastCaptureError,
    long SpoolDepth,
    long SpoolDropped,
    double DroppedAudioSeconds,
    string? StreamTitle)
{
    /// <summary>Larger status payloads are not read.</summary>
    public const int MaxBytes = 4096;

    /// <summary>Packets of this station central refused since the agent started, as central reported them to it.</summary>
    public long CentralRejected { get; init; }

    /// <summary>The latest of those refusals, naming the central instance; null while there is none.</summary>
    public PacketRejection? CentralLastRejection { get; init; }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, StationStatusJsonContext.Default.StationStatus);

    /// <summary>Parses a status payload as an MQTT message carries it (possibly in segments).</summary>
    public static bool TryParse(ReadOnlySequence<byte> utf8, [NotNullWhen(true)] out StationStatus? status)
    {
        status = null;
        return utf8.Length <= MaxBytes && TryParse(utf8.IsSingleSegment ? utf8.FirstSpan : utf8.ToArray(), out status);
    }

    /// <summary>Parses a status payload; false for anything oversized, not JSON, or without a station id.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out StationStatus? status)
    {
        status = null;
        if (utf8.IsEmpty || utf8.Length > MaxBytes)
        {
            return false;
        }

        try
        {
            status = JsonSerializer.Deserialize(utf8, StationStatusJsonContext.Default.StationStatus);
        }
        catch (JsonException)
        {
            return false;
        }

        // JSON without the field leaves the non-nullable id null.
        if (status is not { StationId.Length: > 0 })
        {
            status = null;
            return false;
        }

        return true;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StationStatus))]
internal sealed partial class StationStatusJsonContext : JsonSerializerContext;
