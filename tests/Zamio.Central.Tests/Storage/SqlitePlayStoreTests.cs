using Dapper;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

public sealed class SqlitePlayStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly PlayRecord Ongoing = new("st-a", "st-a/100-0/1", "song1", Start, Start.AddSeconds(30), 0.9, 1.0, "ongoing");

    private readonly TempDirectory _dir = new();
    private readonly SqlitePlayStore _store;

    public SqlitePlayStoreTests()
    {
        _store = new SqlitePlayStore(CentralDatabase.Open(_dir.Path));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public Task Airplay_PlaysAroundAPeriod_SumsThoseThatBeganInItPerStationAndTrack() => AirplayPlays.SeedAndCheckAsync(_store);

    [Fact]
    public Task UpsertAsync_ADayMatchedAgainUnderNewKeys_WritesOntoTheStoredAirings() => ReplayedAirings.CheckAsync(_store);

    [Fact]
    public Task CloseAbandoned_OngoingPlaysUntouchedSinceTheCutoff_AreClosedAtTheirEnd() => AbandonedPlays.CheckAsync(_store);

    [Fact]
    public async Task UpsertAsync_OlderStateAfterClose_LeavesTheClosedPlayAsItWas()
    {
        var closed = Ongoing with { End = Start.AddSeconds(200), Status = "closed" };
        await UpsertAsync(Ongoing);
        await UpsertAsync(Ongoing, closed); // a redelivered batch
        await UpsertAsync(closed);

        await UpsertAsync(Ongoing); // a stale replay
        await UpsertAsync(Ongoing with { End = Start.AddSeconds(100) });

        Assert.Equal(closed, Assert.Single(_store.Query("st-a", null, null, 10)));
    }

    [Fact]
    public async Task UpsertAsync_EvidencePastTheEndOfAClosedPlay_ReopensTheSameRow()
    {
        // Closed where the station fell silent, then its stream resumed and the same play carried on.
        await UpsertAsync(Ongoing);
        await UpsertAsync(Ongoing with { Status = "closed" });
        var resumed = Ongoing with { End = Start.AddSeconds(34), Confidence = 0.95 };

        await UpsertAsync(resumed);

        Assert.Equal(resumed, Assert.Single(_store.Query("st-a", null, null, 10)));
    }

    [Fact]
    public async Task UpsertAsync_CloseAtAnEarlierEnd_LeavesTheLongerOngoingPlay()
    {
        // Another session carried the play on; the session it left closes it, idle, at its own last evidence.
        var carried = Ongoing with { End = Start.AddSeconds(90) };
        await UpsertAsync(Ongoing, carried);

        await UpsertAsync(Ongoing with { Status = "closed" });

        Assert.Equal(carried, Assert.Single(_store.Query("st-a", null, null, 10)));
    }

    [Fact]
    public async Task UpsertAsync_CloseAtTheSameEnd_ClosesThePlay()
    {
        await UpsertAsync(Ongoing);

        await UpsertAsync(Ongoing with { Confidence = 0.95, Status = "closed" });

        Assert.Equal(Ongoing with { Confidence = 0.95, Status = "closed" }, Assert.Single(_store.Query("st-a", null, null, 10)));
    }

    [Fact]
    public async Task UpsertAsync_OngoingPlayRetracted_NoLongerListed()
    {
        // Reported as ongoing, then found to be the shadow of another track's airing (the same recording twice in the catalogue).
        var other = Ongoing with { PlayKey = "st-a/100-0/2", Track = "song2" };
        await UpsertAsync(Ongoing, other);

        await UpsertAsync(Ongoing with { Status = "retracted" });

        Assert.Equal(other, Assert.Single(_store.Query("st-a", null, null, 10)));
    }

    [Fact]
    public async Task UpsertAsync_ClosedPlayRetracted_NoLongerListed()
    {
        // An idle close can write a play closed before the tracker finds it to be a shadow.
        await UpsertAsync(Ongoing with { Status = "closed" });

        await UpsertAsync(Ongoing with { Status = "retracted" });

        Assert.Empty(_store.Query("st-a", null, null, 10));
    }

    [Fact]
    public async Task Query_EachCombinationOfFilters_ReturnsTheOverlappingPlaysInStartOrder()
    {
        PlayRecord Play(string station, int id, int startMinute, int minutes) =>
            Ongoing with { Station = station, PlayKey = $"{station}/100-0/{id}", Start = Start.AddMinutes(startMinute), End = Start.AddMinutes(startMinute + minutes) };
        var a1 = Play("st-a", 1, 0, 3);
        var b1 = Play("st-b", 1, 2, 4);
        var a2 = Play("st-a", 2, 10, 3);
        var a3 = Play("st-a", 3, 20, 3) with { Status = "retracted" };
        await UpsertAsync(a2, b1, a1, a3);

        Assert.Equal([a1, b1, a2], _store.Query(null, null, null, 10));
        Assert.Equal([b1, a2], _store.Query(null, Start.AddMinutes(4), null, 10)); // b1 is still on air at 4 min
        Assert.Equal([a1, b1], _store.Query(null, null, Start.AddMinutes(10), 10));
        Assert.Equal([a1], _store.Query("st-a", Start.AddMinutes(1), Start.AddMinutes(9), 10));
        Assert.Equal([a2], _store.Query("st-a", Start.AddMinutes(5), null, 10));
        Assert.Equal([a1], _store.Query(null, null, null, 1));
    }

    [Fact]
    public async Task Query_PageAfterAPageOfTies_ContinuesWithoutSkippingOrRepeating()
    {
        await UpsertAsync([.. PlayPages.Tied(Start)]);
        var all = _store.Query(null, null, null, 100);

        var walked = PlayPages.Walk(_store, 2);

        Assert.Equal(7, all.Count);
        Assert.Equal(all, walked);
        Assert.Equal(all.Where(p => p.Station == "st-1"), _store.Query("st-1", null, null, 100, PlayCursor.After(all[0])));
    }

    [Theory]
    [InlineData(false, true, false, "plays_end")] // "what aired since": not the whole history in start order
    [InlineData(true, true, true, "plays_station_start")]
    [InlineData(false, false, true, "plays_start")]
    public void QueryText_FilterCombination_IsPlannedOnItsIndex(bool station, bool from, bool to, string index)
    {
        using var connection = CentralDatabase.Open(_dir.Path).Connect();
        var plan = connection.Query<(long Id, long Parent, long NotUsed, string Detail)>(
            "EXPLAIN QUERY PLAN " + SqlitePlayStore.QueryText(station, from, to),
            new { station = "st-a", from = "2024-05-01T12:00:00.000Z", to = "2024-05-01T13:00:00.000Z", limit = 10 });

        Assert.Contains(plan, step => step.Detail.Contains($"USING INDEX {index}", StringComparison.Ordinal));
    }

    private Task UpsertAsync(params PlayRecord[] plays) => _store.UpsertAsync(plays, Start.AddMinutes(5), CancellationToken.None);
}
