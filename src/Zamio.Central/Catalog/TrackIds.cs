namespace Zamio.Central.Catalog;

/// <summary>What a track id may be, the same for the catalogue verbs and the HTTP API.</summary>
public static class TrackIds
{
    public const int MaxLength = 200;

    public static readonly string Rule = $"1..{MaxLength} characters without '/', '\\' or control characters, and not '.' or '..'";

    // "." and ".." would be normalised away in a DELETE path, leaving a track no request can remove.
    public static bool IsValid(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= MaxLength && id is not ("." or "..") && !id.Any(c => char.IsControl(c) || c is '/' or '\\');
}
