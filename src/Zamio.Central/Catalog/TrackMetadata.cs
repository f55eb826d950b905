using System.Text.RegularExpressions;

namespace Zamio.Central.Catalog;

/// <summary>Optional title/artist/ISRC for a track, from a CSV sidecar or an upload's fields.</summary>
public sealed partial record TrackMetadata(string? Title, string? Artist, string? Isrc)
{
    public static TrackMetadata None { get; } = new(null, null, null);

    public const string IsrcRule = "an ISRC is 12 characters: country, registrant, year and number, e.g. GBAYE0601498";

    /// <summary>These fields where given, the others from <paramref name="before"/>: a re-added track keeps what it had.</summary>
    public TrackMetadata Over(TrackMetadata before) =>
        new(Title ?? before.Title, Artist ?? before.Artist, Isrc ?? before.Isrc);

    /// <summary>
    /// An ISRC as stored (upper case, without the hyphens or spaces it is often printed with); null when none was given,
    /// false when what was given is not one.
    /// </summary>
    public static bool TryNormaliseIsrc(string? raw, out string? isrc)
    {
        isrc = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            return true;
        }

        var compact = raw.Replace("-", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (!IsrcPattern().IsMatch(compact))
        {
            return false;
        }

        isrc = compact;
        return true;
    }

    [GeneratedRegex("^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")]
    private static partial Regex IsrcPattern();
}
