using Zamio.Central.Catalog;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Cli;

/// <summary>What the catalogue verbs change: the embedded store under <c>--data-dir</c>, or a shared deployment.</summary>
internal interface ICatalogTarget : IDisposable
{
    void Add(CatalogTrack track, TrackPeaks peaks);

    bool Remove(string id);

    /// <summary>New descriptions, all or none; returns the ids not catalogued (then nothing changed).</summary>
    IReadOnlyList<string> Describe(IReadOnlyDictionary<string, TrackMetadata> tracks);

    IReadOnlyList<CatalogTrack> List();
}

/// <summary>The embedded catalogue file; a <c>serve</c> on it applies the changes within seconds.</summary>
internal sealed class EmbeddedCatalog(string dataDirectory) : ICatalogTarget
{
    private readonly SqliteCatalogStore _store = SqliteCatalogStore.Open(dataDirectory);

    public void Add(CatalogTrack track, TrackPeaks peaks) => _store.Upsert(track, peaks);

    public bool Remove(string id) => _store.Remove(id);

    public IReadOnlyList<string> Describe(IReadOnlyDictionary<string, TrackMetadata> tracks) => _store.Describe(tracks);

    public IReadOnlyList<CatalogTrack> List() => _store.List();

    public void Dispose() => _store.Dispose();
}
