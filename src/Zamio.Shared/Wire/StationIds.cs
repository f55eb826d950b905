namespace Zamio.Shared.Wire;

/// <summary>
/// Station id rules shared by packets, MQTT topics and broker ACLs: 1..64 ASCII characters from [A-Za-z0-9_.-].
/// The set excludes MQTT wildcards and separators ('+', '#', '/'), so an id is always one literal topic level.
/// </summary>
public static class StationIds
{
    public const int MaxLength = 64;

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
