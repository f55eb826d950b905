using System.Diagnostics.CodeAnalysis;

namespace Zamio.Shared.Wire;

/// <summary>What a station topic carries.</summary>
public enum StationTopicKind
{
    Fingerprints,
    Status,
}

/// <summary>
/// MQTT topic names. Versioned under <c>zamio/v1</c> so a future layout can run beside this one on one broker.
/// Station ids are a single topic level, which is what lets the broker ACL pin a station to its own topics.
/// </summary>
public static class Topics
{
    public const string Root = "zamio/v1/stations";
    public const string FingerprintsSuffix = "fp";
    public const string StatusSuffix = "status";

    /// <summary>All stations' fingerprint topics (for a single, non-shared subscriber).</summary>
    public const string AllFingerprints = Root + "/+/" + FingerprintsSuffix;

    /// <summary>All stations' status topics.</summary>
    public const string AllStatus = Root + "/+/" + StatusSuffix;

    /// <summary>Shared-subscription group: the broker spreads fingerprint packets over all central instances.</summary>
    public const string SharedGroup = "zamio-central";

    public const string SharedFingerprints = "$share/" + SharedGroup + "/" + AllFingerprints;

    private const string Prefix = Root + "/";

    public static string Fingerprints(string stationId) => Build(stationId, FingerprintsSuffix);

    public static string Status(string stationId) => Build(stationId, StatusSuffix);

    /// <summary>Where central reports on a station's packets (<see cref="CentralReport"/>); the station may read it.</summary>
    public static string CentralStatus(string stationId) => Status(stationId) + "/central";

    /// <summary>
    /// Parses a concrete topic as delivered by the broker (no <c>$share</c> prefix, no wildcards).
    /// Returns false for anything that is not exactly <c>zamio/v1/stations/{valid id}/{fp|status}</c>.
    /// </summary>
    public static bool TryParse(
        string? topic,
        [NotNullWhen(true)] out string? stationId,
        out StationTopicKind kind)
    {
        stationId = null;
        kind = default;
        if (topic is null || !topic.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        var id = rest[..slash];
        var suffix = rest[(slash + 1)..];
        if (suffix.SequenceEqual(FingerprintsSuffix))
        {
            kind = StationTopicKind.Fingerprints;
        }
        else if (suffix.SequenceEqual(StatusSuffix))
        {
            kind = StationTopicKind.Status;
        }
        else
        {
            return false;
        }

        if (!StationIds.IsValid(id))
        {
            return false;
        }

        stationId = id.ToString();
        return true;
    }

    /// <summary>Station id of a fingerprint topic, or null when the topic is not one.</summary>
    public static string? ParseFingerprintStation(string? topic) =>
        TryParse(topic, out var id, out var kind) && kind == StationTopicKind.Fingerprints ? id : null;

    private static string Build(string stationId, string suffix)
    {
        StationIds.Validate(stationId, nameof(stationId));
        return Prefix + stationId + "/" + suffix;
    }
}
