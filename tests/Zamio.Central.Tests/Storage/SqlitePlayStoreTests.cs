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

    private Task UpsertAsync(params PlayRecord[] plays) => _store.UpsertAsync(plays, Start.AddMinutes(5), CancellationToken.None);
}
