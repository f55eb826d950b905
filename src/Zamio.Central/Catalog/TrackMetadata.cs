namespace Zamio.Central.Catalog;

/// <summary>Optional title/artist/ISRC for a track, from a CSV sidecar.</summary>
public sealed record TrackMetadata(string? Title, string? Artist, string? Isrc)
{
    public static TrackMetadata None { get; } = new(null, null, null);
}
