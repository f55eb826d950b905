using System.Text.Json;
using System.Text.Json.Serialization;

namespace Zamio.Agent.Status;

/// <summary>The retained status message on <c>zamio/v1/stations/{id}/status</c>.</summary>
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
    string? StreamTitle);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StationStatus))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
