using Microsoft.Extensions.Logging.Abstractions;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Storage;

public sealed class CatalogManagerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteCatalogRepository _store;
    private readonly CatalogManager _manager;
    private int _announced;

    public CatalogManagerTests()
    {
        _store = new SqliteCatalogRepository(_dir.Path);
        var descriptions = new InProcessDescriptionChanges();
        descriptions.Changed += () => Interlocked.Increment(ref _announced);
        _manager = new CatalogManager(_store, new InProcessCatalogChangeFeed(), descriptions, NullLogger<CatalogManager>.Instance);
        _store.UpsertAsync(new CatalogTrack("a", "Old", "Band", null, 10, 1, DateTimeOffset.UnixEpoch), TrackPeaks.FromPacked([], 0), CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task PatchDescriptionAsync_AnotherWriterChangesTheTrackMeanwhile_BothChangesKept()
    {
        var calls = 0;

        var patched = await _manager.PatchDescriptionAsync("a", stored =>
        {
            if (++calls == 1)
            {
                // Between this patch's read and its write, another admin sets the artist (the embedded store answers at once).
                _manager.DescribeAsync(new Dictionary<string, TrackMetadata> { ["a"] = stored with { Artist = "New Band" } }, CancellationToken.None).GetAwaiter().GetResult();
            }

            return stored with { Title = "New" };
        }, CancellationToken.None);

        Assert.Equal(2, calls);
        Assert.Equal(("New", "New Band"), (patched!.Value.Track.Title, patched.Value.Track.Artist));
        var stored = await _store.FindAsync("a", CancellationToken.None);
        Assert.Equal(("New", "New Band"), (stored!.Title, stored.Artist));
        Assert.Equal(2, _announced);
    }

    [Fact]
    public async Task PatchDescriptionAsync_NoChangeOrUnknownTrack_NothingWrittenNorAnnounced()
    {
        var same = await _manager.PatchDescriptionAsync("a", stored => stored, CancellationToken.None);
        var unknown = await _manager.PatchDescriptionAsync("b", stored => stored with { Title = "X" }, CancellationToken.None);

        Assert.False(same!.Value.Changed);
        Assert.Null(unknown);
        Assert.Equal(0, _announced);
    }
}
