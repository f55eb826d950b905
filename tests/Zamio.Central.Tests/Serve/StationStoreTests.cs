using System.Text;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Serve;

public sealed class StationStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "zamio-stations-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Keys_verify_only_for_their_station_and_are_not_stored_in_clear()
    {
        var store = new StationStore(CentralDatabase.Open(_dir), TimeProvider.System);
        var key = store.Add("radio-1");
        var other = store.Add("radio-2");

        Assert.Equal(43, key.Length); // 32 bytes, base64url without padding
        Assert.DoesNotContain('+', key);
        Assert.DoesNotContain('/', key);
        Assert.True(store.Verify("radio-1", key));
        Assert.False(store.Verify("radio-1", other));
        Assert.False(store.Verify("radio-3", key));
        Assert.False(store.Verify("radio-1", null));
        Assert.False(store.Verify(null, key));

        // Re-adding rotates the key: the old one stops working.
        var rotated = store.Add("radio-1");
        Assert.False(store.Verify("radio-1", key));
        Assert.True(store.Verify("radio-1", rotated));

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var bytes = Directory.GetFiles(_dir).SelectMany(File.ReadAllBytes).ToArray();
        Assert.DoesNotContain(rotated, Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(["radio-1", "radio-2"], store.List());
    }

    [Fact]
    public void Remove_Station_ItsKeyStopsVerifyingAndOnlyItLeavesTheList()
    {
        var store = new StationStore(CentralDatabase.Open(_dir), TimeProvider.System);
        var key = store.Add("radio-1");
        var other = store.Add("radio-2");

        Assert.True(store.Remove("radio-1"));

        Assert.False(store.Verify("radio-1", key));
        Assert.False(store.Exists("radio-1"));
        Assert.True(store.Verify("radio-2", other));
        Assert.Equal(["radio-2"], store.List());
        Assert.False(store.Remove("radio-1"));
        Assert.False(store.Remove("not/valid"));
    }

    [Fact]
    public void FindOwner_KeysOfTwoStations_NamesEachOwnerAndNoneForAnUnknownKey()
    {
        var store = new StationStore(CentralDatabase.Open(_dir), TimeProvider.System);
        var one = store.Add("radio-1");
        var two = store.Add("radio-2");

        Assert.Equal(("radio-1", "radio-2", null), (store.FindOwner(one), store.FindOwner(two), store.FindOwner("made-up-key")));
    }

    [Fact]
    public void KeyHashes_NewKeyForOneStation_ChangesOnlyItsHash()
    {
        var store = new StationStore(CentralDatabase.Open(_dir), TimeProvider.System);
        store.Add("radio-1");
        store.Add("radio-2");
        var before = store.KeyHashes();

        store.Add("radio-1");
        var after = store.KeyHashes();

        Assert.Equal(["radio-1", "radio-2"], after.Keys.Order(StringComparer.Ordinal));
        Assert.NotEqual(before["radio-1"], after["radio-1"]);
        Assert.Equal(before["radio-2"], after["radio-2"]);
    }

    [Fact]
    public void VerifyLogin_StationsOfTheLastRead_VerifiedFromItWithoutAskingTheStore()
    {
        var backend = new Ingest.SwitchableStationStore(new SqliteStationStore(CentralDatabase.Open(_dir)));
        var store = new StationStore(backend, TimeProvider.System);
        var key = store.Add("radio-1");
        store.KeyHashes();
        var rotated = store.Add("radio-1");
        backend.Down = true;
        var queries = backend.Queries;

        // Until the next read the login check knows the key it read; a new key counts from then on.
        Assert.Equal((true, false, false), (store.VerifyLogin("radio-1", key), store.VerifyLogin("radio-1", rotated), store.VerifyLogin("radio-1", null)));
        Assert.Equal(queries, backend.Queries);
        Assert.Throws<TimeoutException>(() => store.VerifyLogin("radio-2", key));

        backend.Down = false;
        store.KeyHashes();
        Assert.Equal((false, true), (store.VerifyLogin("radio-1", key), store.VerifyLogin("radio-1", rotated)));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
