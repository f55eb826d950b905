using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Cli;

/// <summary>
/// The catalogue of a <see cref="SharedDeployment"/>: the catalogue verbs change it in PostgreSQL, and with
/// <c>ConnectionStrings:Redis</c> they also update the index cache and announce the change, so running instances
/// apply it within about a second, as for a change made through the HTTP API.
/// </summary>
internal sealed class SharedCatalog(SharedDeployment deployment) : ICatalogTarget
{
    private readonly CatalogManager _manager = deployment.Services.GetRequiredService<CatalogManager>();

    public void Add(CatalogTrack track, TrackPeaks peaks) => _manager.AddAsync(track, peaks, CancellationToken.None).GetAwaiter().GetResult();

    public bool Remove(string id) => _manager.RemoveAsync(id, CancellationToken.None).GetAwaiter().GetResult();

    public IReadOnlyList<string> Describe(IReadOnlyDictionary<string, TrackMetadata> tracks) =>
        _manager.DescribeAsync(tracks, CancellationToken.None).GetAwaiter().GetResult();

    public IReadOnlyList<CatalogTrack> List() => _manager.ListAsync(CancellationToken.None).GetAwaiter().GetResult();

    public void Dispose() => deployment.Dispose();
}
