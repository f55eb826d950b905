using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

/// <summary>A day matched twice (a logger replay, a reinstalled agent's spool): what any play store must keep of it.</summary>
internal static class ReplayedAirings
{
    private static readonly DateTimeOffset Start = new(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);

    public static async Task CheckAsync(IPlayStore store)
    {
        PlayRecord Play(string session, int id, double start, double end, string status) =>
            new("st-r", $"st-r/{session}/{id}", "song1", Start.AddSeconds(start), Start.AddSeconds(end), 0.9, 1.0, status);

        var first = Play("100-0-0", 1, 0, 180, "closed");
        await UpsertAsync(store, first, Play("100-0-0", 2, 600, 700, "closed"));

        // The replay's session finds the same airings a little differently, as ongoing, then closed, then withdraws one.
        await UpsertAsync(store, Play("200-0-3", 1, 0.4, 60, "ongoing"));
        await UpsertAsync(store, Play("200-0-3", 1, 0.4, 180.2, "closed"));
        await UpsertAsync(store, Play("200-0-3", 2, 603, 700, "retracted"));

        // A later airing of the same track is its own play.
        var later = Play("200-0-3", 3, 1200, 1300, "closed");
        await UpsertAsync(store, later);

        // One session's two plays of a track 8 s apart stay two (its tracker split them); a replayed play arriving in the
        // batch where the row's own session closes it leaves the close standing.
        var owner = Play("300-0-0", 1, 2000, 2006, "closed");
        await UpsertAsync(store, owner, Play("300-0-0", 2, 2008, 2020, "ongoing"));
        await UpsertAsync(store, Play("300-0-0", 2, 2008, 2200, "closed"), Play("400-0-1", 1, 2008.5, 2060, "ongoing"));

        var rows = store.Query("st-r", null, null, 10);
        Assert.Equal(
            [
                ("st-r/100-0-0/1", 0.4, 180.2, "closed"), ("st-r/100-0-0/2", 600.0, 700.0, "closed"), (later.PlayKey, 1200.0, 1300.0, "closed"),
                (owner.PlayKey, 2000.0, 2006.0, "closed"), ("st-r/300-0-0/2", 2008.0, 2200.0, "closed"),
            ],
            rows.Select(r => (r.PlayKey, Math.Round((r.Start - Start).TotalSeconds, 2), Math.Round((r.End - Start).TotalSeconds, 2), r.Status)));
    }

    private static Task UpsertAsync(IPlayStore store, params PlayRecord[] plays) =>
        store.UpsertAsync(plays, Start, CancellationToken.None);
}
