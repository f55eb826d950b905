using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Catalog;

/// <summary>Damaged peaks in the store: the index loads without them and the host starts.</summary>
public class CatalogIndexLoadTests
{
    [Fact]
    public async Task LoadAsync_StoreHoldsDamagedPeaks_LoadsTheOtherTracks()
    {
        var index = new CatalogIndex(new FakeStore(Good("a"), Damaged("bad"), Good("c")), TimeProvider.System, NullLogger<CatalogIndex>.Instance);

        await index.LoadAsync(CancellationToken.None);

        Assert.Equal("store", index.LoadedFrom);
        Assert.Equal(2, index.TrackCount);
        Assert.True(index.Contains("a"));
        Assert.False(index.Contains("bad"));
        Assert.True(index.Contains("c"));
    }

    [Fact]
    public async Task LoadAsync_FullLoad_CollectsTheLoadsGarbageOnce()
    {
        var index = new CatalogIndex(new FakeStore(Good("a"), Good("b")), TimeProvider.System, NullLogger<CatalogIndex>.Instance);
        var fullCollections = GC.CollectionCount(GC.MaxGeneration);

        await index.LoadAsync(CancellationToken.None);

        // Tests running beside this one may collect too, so this shows only that a full collection came with the load.
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > fullCollections);
    }

    [Fact]
    public async Task StartAsync_StoreHoldsDamagedPeaks_DoesNotThrow()
    {
        var index = new CatalogIndex(new FakeStore(Damaged("bad"), Good("a")), TimeProvider.System, NullLogger<CatalogIndex>.Instance);
        using var loader = new CatalogIndexLoader(index, new InProcessCatalogChangeFeed(), Options.Create(new RedisOptions()),
            TimeProvider.System, NullLogger<CatalogIndexLoader>.Instance);

        await loader.StartAsync(CancellationToken.None);
        await loader.StopAsync(CancellationToken.None);

        Assert.True(index.IsLoaded);
        Assert.True(index.Contains("a"));
    }

    [Fact]
    public async Task ApplyAsync_AddedTrackHasDamagedPeaks_KeepsThePreviousTracks()
    {
        var store = new FakeStore(Good("a"));
        var index = new CatalogIndex(store, TimeProvider.System, NullLogger<CatalogIndex>.Instance);
        await index.LoadAsync(CancellationToken.None);
        store.Peaks.Add(Damaged("bad"));

        await index.ApplyAsync([new CatalogChange(CatalogChangeKind.Added, "bad", 0)], CancellationToken.None);

        Assert.True(index.Contains("a"));
        Assert.False(index.Contains("bad"));
    }

    private static StoredPeaks Good(string id)
    {
        var peaks = Enumerable.Range(0, 500).Select(f => new Peak(f, (ushort)(100 + (f * 37 % 1500)))).ToArray();
        return StoredPeaks.From(id, FingerprintSettings.AlgorithmVersion, TrackPeaks.FromPeaks(peaks, 500));
    }

    /// <summary>Peaks out of frame order, as a corrupted row or cache value would be.</summary>
    private static StoredPeaks Damaged(string id)
    {
        var packed = new uint[] { TrackPeaks.Pack(new Peak(9, 100)), TrackPeaks.Pack(new Peak(3, 100)) };
        return new StoredPeaks(id, 10, FingerprintSettings.AlgorithmVersion, System.Runtime.InteropServices.MemoryMarshal.AsBytes(packed.AsSpan()).ToArray());
    }

    private sealed class FakeStore(params StoredPeaks[] peaks) : ICatalogStore
    {
        public List<StoredPeaks> Peaks { get; } = [.. peaks];

        public Task<IReadOnlyList<StoredPeaks>> LoadPeaksAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StoredPeaks>>([.. Peaks.Where(p => ids is null || ids.Contains(p.Id))]);

        public Task UpsertAsync(CatalogTrack track, TrackPeaks peaks, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> RemoveAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> DescribeAsync(IReadOnlyDictionary<string, TrackMetadata> tracks, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<CatalogTrack>> ListAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CatalogTrack?> FindAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> ReplaceDescriptionAsync(string id, TrackMetadata expected, TrackMetadata replacement, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<CatalogTrack>> PageAsync(string? after, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
