using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Catalog;

public sealed class TrackMetadataCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly SqliteCatalogRepository _store;
    private readonly TrackMetadataCache _cache;
    private readonly CatalogManager _manager;

    public TrackMetadataCacheTests()
    {
        _store = new SqliteCatalogRepository(_dir.Path);
        var changes = new InProcessDescriptionChanges();
        _manager = new CatalogManager(_store, new InProcessCatalogChangeFeed(), changes, NullLogger<CatalogManager>.Instance);
        var index = new CatalogIndex(_store, _time, NullLogger<CatalogIndex>.Instance);
        _cache = new TrackMetadataCache(_manager, index, changes, _time, NullLogger<TrackMetadataCache>.Instance);
        _store.UpsertAsync(new CatalogTrack("a", "Old", null, null, 10, 1, _time.GetUtcNow()), TrackPeaks.FromPacked([], 0), CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task GetAsync_DescribedByAnotherInstance_ShownOnceTheCopyIsMaxAgeOld()
    {
        Assert.Equal("Old", (await _cache.GetAsync(CancellationToken.None))["a"].Title);

        await DescribeAsync("New");
        _time.Advance(TrackMetadataCache.MaxAge - TimeSpan.FromMilliseconds(1));
        var young = (await _cache.GetAsync(CancellationToken.None))["a"].Title;
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var aged = (await _cache.GetAsync(CancellationToken.None))["a"].Title;

        Assert.Equal(("Old", "New"), (young, aged));
    }

    [Fact]
    public async Task GetAsync_DescribedThroughTheCatalogueManager_ReadsTheStoreAtOnce()
    {
        Assert.Equal("Old", (await _cache.GetAsync(CancellationToken.None))["a"].Title);

        Assert.Empty(await _manager.DescribeAsync(new Dictionary<string, TrackMetadata> { ["a"] = new("New", null, null) }, CancellationToken.None));

        Assert.Equal("New", (await _cache.GetAsync(CancellationToken.None))["a"].Title);
    }

    [Fact]
    public async Task GetAsync_UnknownTrackDescribed_NothingAnnouncedCopyKept()
    {
        Assert.Equal("Old", (await _cache.GetAsync(CancellationToken.None))["a"].Title);
        await DescribeAsync("Changed behind the copy");

        Assert.Equal(["b"], await _manager.DescribeAsync(new Dictionary<string, TrackMetadata> { ["b"] = new("B", null, null) }, CancellationToken.None));

        Assert.Equal("Old", (await _cache.GetAsync(CancellationToken.None))["a"].Title);
    }

    private async Task DescribeAsync(string title) =>
        Assert.Empty(await _store.DescribeAsync(new Dictionary<string, TrackMetadata> { ["a"] = new(title, null, null) }, CancellationToken.None));
}
