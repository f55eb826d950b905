using Microsoft.Data.Sqlite;
using Zamio.Central.Catalog;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Catalog;

public sealed class SqliteCatalogStoreTests : IDisposable
{
    private static readonly DateTimeOffset Added = new(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Upsert_ThenList_RoundTripsFieldsOrderedById()
    {
        using (var store = SqliteCatalogStore.Open(_dir.Path))
        {
            store.Upsert(Track("b", "Title B", 12.5), Peaks(1, 300));
            store.Upsert(Track("a", null, 30), Peaks(2, 900));
        }

        using var reopened = SqliteCatalogStore.Open(_dir.Path);
        var tracks = reopened.List();

        Assert.Equal(["a", "b"], tracks.Select(t => t.Id));
        Assert.Equal(Track("a", null, 30), tracks[0]);
        Assert.Equal(Track("b", "Title B", 12.5), tracks[1]);
        Assert.True(reopened.Contains("a"));
        Assert.False(reopened.Contains("c"));
    }

    [Fact]
    public void Find_CataloguedAndUnknownIds_TheTrackOrNull()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("a", "Title A", 30), Peaks(2, 900));
        store.Upsert(Track("b", "Title B", 12.5), Peaks(1, 300));

        Assert.Equal(Track("b", "Title B", 12.5), store.Find("b"));
        Assert.Null(store.Find("c"));
    }

    [Fact]
    public void ReplaceDescription_AsExpectedOrChangedMeanwhile_WrittenOnlyWhenStillAsExpected()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("a", "Old", 10), Peaks(1, 100));
        var old = new TrackMetadata("Old", "Artist", "ISRC0001");

        Assert.True(store.ReplaceDescription("a", old, new TrackMetadata("New", "Band", null)));
        Assert.False(store.ReplaceDescription("a", old, new TrackMetadata("Stale", null, null)));
        Assert.True(store.ReplaceDescription("a", new TrackMetadata("New", "Band", null), new TrackMetadata("New", "Band", null)));
        Assert.False(store.ReplaceDescription("missing", old, new TrackMetadata("New", null, null)));
        Assert.Equal(("New", "Band"), (store.Find("a")!.Title, store.Find("a")!.Artist));
    }

    [Fact]
    public void Page_AfterAnIdWithALimit_TheNextTracksById()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        foreach (var id in new[] { "d", "b", "a", "c" })
        {
            store.Upsert(Track(id, null, 10), Peaks(1, 100));
        }

        Assert.Equal(["a", "b"], store.Page(null, 2).Select(t => t.Id));
        Assert.Equal(["c", "d"], store.Page("b", 5).Select(t => t.Id));
        Assert.Empty(store.Page("d", 5));
    }

    [Fact]
    public void LoadPeaks_GivenIds_OnlyThoseInIdOrder()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        foreach (var (id, seed) in new[] { ("c", 3), ("a", 1), ("b", 2) })
        {
            store.Upsert(Track(id, null, 10), Peaks(seed, 100 * seed));
        }

        var loaded = store.LoadPeaks(["c", "a", "missing"]);

        Assert.Equal(["a", "c"], loaded.Select(p => p.Id));
        Assert.Equal([100, 300], loaded.Select(p => p.FrameCount));
        Assert.Equal(["a", "b", "c"], store.LoadPeaks().Select(p => p.Id));
    }

    [Fact]
    public void Upsert_SameIdTwice_ReplacesTrackAndPeaks()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("a", "Old", 10), Peaks(1, 200));
        var newer = Peaks(9, 400);

        store.Upsert(Track("a", "New", 20), newer);

        var track = Assert.Single(store.List());
        Assert.Equal("New", track.Title);
        Assert.Equal(20, track.DurationSeconds);
        var indexed = Assert.Single(store.LoadIndex(out _).Tracks);
        Assert.Equal(newer.Packed.ToArray(), indexed.Peaks.Packed.ToArray());
        Assert.Equal(400, indexed.Peaks.FrameCount);
    }

    [Fact]
    public void Describe_CataloguedIds_SetsFieldsAndKeepsPeaks()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        var peaks = Peaks(3, 300);
        store.Upsert(Track("a", "Old", 10), peaks);

        var unknown = store.Describe(new Dictionary<string, TrackMetadata> { ["a"] = new("New", "Band", "GBAYE0601498") });

        Assert.Empty(unknown);
        var track = Assert.Single(store.List());
        Assert.Equal(("New", "Band", "GBAYE0601498", 10.0), (track.Title, track.Artist, track.Isrc, track.DurationSeconds));
        Assert.Equal(peaks.Packed.ToArray(), Assert.Single(store.LoadIndex(out _).Tracks).Peaks.Packed.ToArray());
    }

    [Fact]
    public void Describe_OneIdNotCatalogued_ReturnsItAndChangesNothing()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("a", "Old", 10), Peaks(1, 100));

        var unknown = store.Describe(new Dictionary<string, TrackMetadata> { ["a"] = new("New", null, null), ["zz"] = new("Z", null, null) });

        Assert.Equal(["zz"], unknown);
        Assert.Equal("Old", Assert.Single(store.List()).Title);
    }

    [Fact]
    public void Remove_KnownAndUnknownIds_ReportsWhetherRemoved()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("a", null, 1), Peaks(1, 100));
        store.Upsert(Track("b", null, 1), Peaks(2, 100));

        Assert.True(store.Remove("a"));
        Assert.False(store.Remove("a"));
        Assert.False(store.Remove("zzz"));
        Assert.Equal(["b"], store.List().Select(t => t.Id));
    }

    [Fact]
    public void LoadIndex_StoredPeaks_IndexHoldsSamePeaksAndMatchesHashes()
    {
        var peaksA = Peaks(3, 700);
        var peaksB = Peaks(4, 500);
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("b", null, 1), peaksB);
        store.Upsert(Track("a", null, 1), peaksA);

        var index = store.LoadIndex(out var stale);

        Assert.Equal(0, stale);
        Assert.Equal(["a", "b"], index.Tracks.Select(t => t.Id));
        Assert.Equal(peaksA.Packed.ToArray(), index.Tracks[0].Peaks.Packed.ToArray());
        Assert.Equal(peaksB.Packed.ToArray(), index.Tracks[1].Peaks.Packed.ToArray());
        Assert.Equal(700, index.Tracks[0].Peaks.FrameCount);
        var expected = new IndexBuilder().Add("a", peaksA).Add("b", peaksB).Build();
        Assert.Equal(expected.PostingCount, index.PostingCount);
        Assert.True(index.PostingCount > 0);
    }

    [Fact]
    public void LoadIndex_OtherAlgorithmVersion_SkippedAndCountedStale()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);
        store.Upsert(Track("current", null, 1), Peaks(1, 300));
        store.Upsert(Track("old", null, 1) with { AlgorithmVersion = FingerprintSettings.AlgorithmVersion + 1 }, Peaks(2, 300));

        var index = store.LoadIndex(out var stale);

        Assert.Equal(1, stale);
        Assert.Equal(["current"], index.Tracks.Select(t => t.Id));
    }

    [Fact]
    public void LoadIndex_EmptyStore_EmptyIndex()
    {
        using var store = SqliteCatalogStore.Open(_dir.Path);

        var index = store.LoadIndex(out var stale);

        Assert.Equal(0, stale);
        Assert.Empty(index.Tracks);
        Assert.Empty(store.List());
    }

    [Fact]
    public void Open_Twice_MigrationsAppliedOnceAndDataKept()
    {
        using (var first = SqliteCatalogStore.Open(_dir.Path))
        {
            first.Upsert(Track("a", "T", 3), Peaks(1, 100));
        }

        using (var second = SqliteCatalogStore.Open(_dir.Path))
        {
            Assert.Equal(["a"], second.List().Select(t => t.Id));
        }

        using (var third = SqliteCatalogStore.Open(_dir.Path))
        {
            Assert.Single(third.List());
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _dir.Combine("catalog.db"),
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), MAX(version) FROM schema_version";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(1, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt64(1));
    }

    [Fact]
    public void Open_MissingDirectory_CreatesIt()
    {
        var nested = _dir.Combine("a", "b");

        using (SqliteCatalogStore.Open(nested))
        {
        }

        Assert.True(File.Exists(Path.Combine(nested, "catalog.db")));
    }

    private static CatalogTrack Track(string id, string? title, double seconds) =>
        new(id, title, title is null ? null : "Artist", title is null ? null : "ISRC0001", seconds, FingerprintSettings.AlgorithmVersion, Added);

    private static TrackPeaks Peaks(int seed, int frames)
    {
        var rng = new Random(seed);
        var peaks = new List<Peak>();
        for (var frame = 0; frame < frames; frame++)
        {
            var count = rng.Next(3);
            for (var i = 0; i < count; i++)
            {
                peaks.Add(new Peak(frame, (ushort)rng.Next(FrameAnalyzer.MinBin * 16, FrameAnalyzer.MaxBin * 16)));
            }
        }

        // Packing sorts by frame then bin; the store requires sorted packed peaks.
        var packed = peaks.Select(TrackPeaks.Pack).Order().ToArray();
        return TrackPeaks.FromPacked(packed, frames);
    }
}
