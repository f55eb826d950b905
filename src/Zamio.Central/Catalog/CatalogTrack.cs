namespace Zamio.Central.Catalog;

/// <summary>A catalogue entry's descriptive fields (fingerprints live beside it in the store).</summary>
public sealed record CatalogTrack(
    string Id,
    string? Title,
    string? Artist,
    string? Isrc,
    double DurationSeconds,
    int AlgorithmVersion,
    DateTimeOffset AddedAt)
{
    public TrackMetadata Metadata => new(Title, Artist, Isrc);
}
