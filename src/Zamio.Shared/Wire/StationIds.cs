namespace Zamio.Shared.Wire;

/// <summary>
/// Station id rules shared by packets, MQTT topics and broker ACLs: 1..64 ASCII characters from [A-Za-z0-9_.-].
/// The set excludes MQTT wildcards and separators ('+', '#', '/'), so an id is always one literal topic level.
/// </summary>
public static class StationIds
{
    public const int MaxLength = 64;

    /// <summary>
    /// Central's MQTT client ids start with this, and a broker may take a station's client id from its user name (the
    /// shipped Mosquitto does), so no station may be registered under an id that starts with it.
    /// </summary>
    public const string ReservedPrefix = "zamio-central";

    /// <summary>True for ids no station may be registered under (see <see cref="ReservedPrefix"/>).</summary>
    public static bool IsReserved(string stationId) => stationId.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="stationId"/> cannot be registered, or null when it can.</summary>
    public static string? RegistrationError(string? stationId) =>
        !IsValid(stationId) ? $"a station id is 1..{MaxLength} characters from [A-Za-z0-9_.-]"
        : IsReserved(stationId!) ? $"station ids starting with '{ReservedPrefix}' are reserved for central's own MQTT clients"
        : null;

    public static bool IsValid(string? stationId) => stationId is not null && IsValid(stationId.AsSpan());

    public static bool IsValid(ReadOnlySpan<char> stationId)
    {
        if (stationId.IsEmpty || stationId.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in stationId)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Validates raw bytes (ASCII is UTF-8), so a decoder never has to decode untrusted UTF-8.</summary>
    public static bool IsValid(ReadOnlySpan<byte> utf8StationId)
    {
        if (utf8StationId.IsEmpty || utf8StationId.Length > MaxLength)
        {
            return false;
        }

        foreach (var b in utf8StationId)
        {
            if (!IsAllowed((char)b))
            {
                return false;
            }
        }

        return true;
    }

    public static void Validate(string? stationId, string paramName)
    {
        if (!IsValid(stationId))
        {
            throw new ArgumentException(
                $"Station id must be 1..{MaxLength} characters from [A-Za-z0-9_.-]; got '{stationId}'.", paramName);
        }
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
}
