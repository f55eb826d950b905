using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Zamio.Central.Plays;

/// <summary>
/// Where a page of plays ended. Plays are listed by start, then play key (unique), so the next page is everything after
/// that pair: pages neither skip nor repeat plays however many are written meanwhile. Sent as an opaque token.
/// </summary>
public sealed record PlayCursor(DateTimeOffset Start, string PlayKey)
{
    private const int MaxTokenLength = 512;

    public static PlayCursor After(PlayRecord play) => new(play.Start, play.PlayKey);

    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{Start.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{PlayKey}"));

    public static bool TryDecode(string? token, out PlayCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        cursor = new PlayCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
        return true;
    }
}
