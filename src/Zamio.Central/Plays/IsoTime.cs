using System.Globalization;
using System.Text.RegularExpressions;

namespace Zamio.Central.Plays;

/// <summary>Timestamps in requests and verbs: ISO 8601 only, UTC unless a zone is given.</summary>
public static partial class IsoTime
{
    /// <summary>True for an empty text (no bound, <paramref name="time"/> null) or an ISO 8601 date or date and time.</summary>
    public static bool TryParseOptional(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (Shape().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            time = parsed;
            return true;
        }

        return false;
    }

    // A date, optionally with a time, seconds, fraction and zone: the forms ISO 8601 writes (the parser alone also
    // takes "1/2/2026", which reads differently in different places).
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$")]
    private static partial Regex Shape();
}
