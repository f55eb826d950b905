namespace Zamio.Shared.Wire;

/// <summary>Free text (titles, reasons, error messages) kept short enough for the small JSON messages on the wire.</summary>
public static class WireText
{
    /// <summary>
    /// <paramref name="text"/> itself when it fits in <paramref name="maxLength"/> characters, else its start and "…" in
    /// that many; a surrogate pair is never split (half of one is not valid text).
    /// </summary>
    public static string Shorten(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (text.Length <= maxLength)
        {
            return text;
        }

        var cut = char.IsHighSurrogate(text[maxLength - 2]) ? maxLength - 2 : maxLength - 1;
        return string.Concat(text.AsSpan(0, cut), "…");
    }
}
